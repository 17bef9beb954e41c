import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatTable, printTable } from '../../dev/scripts/table';

describe('formatTable', () => {
  it('makes each column as wide as its widest cell, header included', () => {
    expect(formatTable(['workflow', 'n'], [['play-7', '12'], ['p', '3']])).toEqual([
      '| workflow | n  |',
      '|----------|----|',
      '| play-7   | 12 |',
      '| p        | 3  |',
    ]);
  });

  it('leaves a missing cell blank, so every line has the header\'s columns', () => {
    expect(formatTable(['a', 'b'], [['x']])).toEqual(['| a | b |', '|---|---|', '| x |   |']);
  });

  it('prints only the header and separator when there are no rows', () => {
    expect(formatTable(['stage'], [])).toEqual(['| stage |', '|-------|']);
  });
});

describe('printTable', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the formatted lines to stdout, one console.log each', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    printTable(['task', 'stage'], [['7', 'completed']]);
    expect(log.mock.calls).toEqual(formatTable(['task', 'stage'], [['7', 'completed']]).map((line) => [line]));
  });
});
