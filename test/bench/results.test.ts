// The benches' machine-readable results (dev/bench/results.ts): the ratio rule, the schema's refusals,
// and where the file lands.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RESULTS_DIR_ENV, benchResultsSchema, figure, writeResults, type Figure } from '../../dev/bench/results';

const machine = { cpu: 'Test CPU', cores: 2, memoryBytes: 8 * 1024 ** 3, os: 'Linux', kernel: '6.1.0' };
const versions = { node: 'v20.0.0', handoff: '0.1.0', kubernetes: 'v1.34.4' };
const valid = (figures: unknown[]) => benchResultsSchema.safeParse({ machine, versions, figures });

describe('figure()', () => {
  it('takes the ratio to the peer when there is one, even with a floor', () => {
    const f = figure({ name: 'apiserver.resume.p50', unit: 'ms', handoff: 50, peer: { name: 'argo-resume', value: 125 }, floor: 20 });
    expect(f.ratio).toBe(0.4);
    expect(f.floor).toBe(20);
  });

  it('takes the ratio to the floor without a peer, and none without either', () => {
    expect(figure({ name: 'a', unit: 'ms', handoff: 30, floor: 12 }).ratio).toBe(2.5);
    expect(figure({ name: 'b', unit: 'bytes', handoff: 30 })).toEqual({ name: 'b', unit: 'bytes', handoff: 30, peer: null, floor: null, ratio: null });
  });
});

describe('benchResultsSchema', () => {
  it('accepts figures built by figure()', () => {
    const result = valid([figure({ name: 'x', unit: 'ms', handoff: 3, peer: { name: 'p', value: 4 } }), figure({ name: 'y', unit: 'ms', handoff: 1 })]);
    expect(result.success).toBe(true);
  });

  const good: Figure = figure({ name: 'x', unit: 'ms', handoff: 3, peer: { name: 'p', value: 4 }, floor: 2 });
  const bad: [string, unknown][] = [
    ['a ratio that is not handoff / peer', { ...good, ratio: 0.5 }],
    ['a ratio to the floor when there is a peer', { ...good, ratio: 1.5 }],
    ['a ratio without peer or floor', { ...good, peer: null, floor: null, ratio: 0.75 }],
    ['no ratio with a peer', { ...good, ratio: null }],
    ['a NaN measurement (no samples)', { ...good, handoff: Number.NaN, ratio: Number.NaN }],
    ['an infinite measurement', { ...good, handoff: Number.POSITIVE_INFINITY }],
    ['a negative measurement', { ...good, handoff: -1, ratio: -0.25 }],
    ['a zero peer value', { ...good, peer: { name: 'p', value: 0 }, ratio: null }],
    ['a peer without a name', { ...good, peer: { name: '', value: 4 } }],
    ['a figure without a unit', { ...good, unit: '' }],
    ['a field the shape does not have', { ...good, mean: 3 }],
    ['a missing floor field', (({ floor: _floor, ...rest }) => rest)(good)],
  ];
  it.each(bad)('rejects %s', (_what, figureValue) => {
    expect(valid([figureValue]).success).toBe(false);
  });

  it('rejects two figures with one name, and an empty list', () => {
    expect(valid([good, good]).success).toBe(false);
    expect(valid([]).success).toBe(false);
  });

  it('requires node and handoff among the versions', () => {
    expect(benchResultsSchema.safeParse({ machine, versions: { node: 'v20.0.0' }, figures: [good] }).success).toBe(false);
  });
});

describe('writeResults()', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('writes <dir>/<benchmark>.json with the validated results', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    const figures = [figure({ name: 'throughput.resume', unit: 'events/s', handoff: 120, peer: { name: 'faas-js-runtime', value: 160 } })];
    const file = writeResults('throughput', { machine, versions, figures }, { dir });
    expect(file).toBe(join(dir, 'throughput.json'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ machine, versions, figures: [{ ...figures[0], ratio: 0.75 }] });
  });

  it(`writes into ${RESULTS_DIR_ENV} when no dir is given, and fills the machine itself`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-env-'));
    vi.stubEnv(RESULTS_DIR_ENV, dir);
    const file = writeResults('cold-start', { versions, figures: [figure({ name: 'cold-start.bundle', unit: 'bytes', handoff: 1000 })] });
    expect(file).toBe(join(dir, 'cold-start.json'));
    const written = benchResultsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(written.machine.cores).toBeGreaterThan(0);
    expect(written.machine.memoryBytes).toBeGreaterThan(0);
  });

  it('writes nothing when a figure is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-bad-'));
    const figures = [figure({ name: 'end-to-end.p50', unit: 'ms', handoff: Number.NaN, peer: { name: 'argo-events-argoworkflow-resume', value: 200 } })];
    expect(() => writeResults('end-to-end', { machine, versions, figures }, { dir })).toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a benchmark name that is not a plain file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-name-'));
    expect(() => writeResults('../escape', { machine, versions, figures: [figure({ name: 'x', unit: 'ms', handoff: 1 })] }, { dir })).toThrow(/benchmark name/);
  });
});
