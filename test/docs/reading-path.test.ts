// The README's "Follow one event" is a newcomer's reading path: at most five files, none over
// 200 lines (issue 15). The path is the section's numbered list, each item led by a file in backticks;
// other files an item mentions are side references, not part of the path.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/stack/binaries/versions';

const SECTION = '## Follow one event';
const MAX_FILES = 5;
const MAX_LINES = 200;

/** The files that lead the numbered items of the section, in order. */
function readingPath(readme: string): string[] {
  const start = readme.split('\n').indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const after = readme.split('\n').slice(start + 1);
  const end = after.findIndex((line) => /^#{1,2} /.test(line));
  const section = (end < 0 ? after : after.slice(0, end)).join('\n');
  return [...section.matchAll(/^\d+\. `([^`]+)`/gm)].map((match) => match[1] as string);
}

/** Lines as `wc -l` counts them, plus an unterminated last line. */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') || text === '' ? 1 : 0);
}

describe('readingPath', () => {
  it('takes the file leading each numbered item of the section, not the files an item mentions or other sections', () => {
    const readme = [
      '## Before', '1. `before.ts` — not on the path', '',
      SECTION, 'Intro naming `intro.ts`.', '',
      '1. `a.ts` — mentions `side.ts`', '2. `dir/b.ts` — second', '',
      'Wiring: `wiring.ts`.', '',
      '## After', '1. `after.ts` — not on the path',
    ].join('\n');
    expect(readingPath(readme)).toEqual(['a.ts', 'dir/b.ts']);
  });
});

describe('the README reading path', () => {
  const files = readingPath(readFileSync(join(repoRoot, 'README.md'), 'utf8'));

  it(`names between one and ${MAX_FILES} files`, () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.length).toBeLessThanOrEqual(MAX_FILES);
  });

  it.each(files)(`%s exists and has at most ${MAX_LINES} lines`, (file) => {
    const path = join(repoRoot, file);
    expect(existsSync(path), `${file} does not exist`).toBe(true);
    expect(lineCount(readFileSync(path, 'utf8')), `${file} is too long for the reading path`).toBeLessThanOrEqual(MAX_LINES);
  });
});
