/**
 * The label rule for event text: the TypeScript implementation against the apimachinery rule it
 * ports, and the POSIX sh implementation the orchestrator step runs, over hostile inputs.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LABEL_VALUE_SH } from '../../../manifests/step-scripts';
import { labelValueErrors, labelValueFor } from '../../../shared/labels/label-value';
import { HOSTILE_TEXTS } from '../../fixtures/hostile-text';

describe('labelValueErrors (IsValidLabelValue, apimachinery v0.34.4)', () => {
  // Cases from k8s.io/apimachinery pkg/util/validation/validation_test.go TestIsValidLabelValue.
  it.each(['simple', '3-4', '34-5-a', 'a-b-c', 'a.b', 'a_b', 'A-B', 'A', '', 'a'.repeat(63)])('accepts %j', (value) => {
    expect(labelValueErrors(value)).toEqual([]);
  });
  it.each(['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', 'a'.repeat(64), 'feature/task-3'])(
    'rejects %j',
    (value) => {
      expect(labelValueErrors(value)).not.toEqual([]);
    },
  );
});

/** Runs the shell rule with the text in the environment, exactly as the step does. */
function shellLabelValue(text: string): string {
  const out = spawnSync('sh', ['-c', `${LABEL_VALUE_SH}\nlabel_value_for "$TEXT"`], { env: { PATH: process.env.PATH, TEXT: text }, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`sh exited ${out.status}: ${out.stderr}`);
  return out.stdout;
}

describe('labelValueFor', () => {
  it.each(HOSTILE_TEXTS.map((text) => [text.slice(0, 40), text]))('%j: a valid label value, and the shell rule agrees', (_shown, text) => {
    const value = labelValueFor(text);
    expect(labelValueErrors(value)).toEqual([]);
    expect(shellLabelValue(text)).toBe(value);
  });

  it('keeps readable branches readable and distinct', () => {
    expect(labelValueFor('feature/task-3')).toMatch(/^feature-task-3-[0-9a-f]{10}$/);
    expect(labelValueFor('feature/a')).not.toBe(labelValueFor('feature-a'));
    expect(labelValueFor('')).toMatch(/^[0-9a-f]{10}$/);
    expect(labelValueFor('main')).toBe(`main-${createHash('sha256').update('main', 'utf8').digest('hex').slice(0, 10)}`);
  });

  it('hashes the exact bytes: trailing newlines and non-ASCII count', () => {
    expect(labelValueFor('a\n')).not.toBe(labelValueFor('a'));
    expect(shellLabelValue('a\n')).toBe(labelValueFor('a\n'));
    expect(labelValueFor('é')).toBe(shellLabelValue('é'));
  });
});
