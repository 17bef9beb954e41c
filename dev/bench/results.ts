/**
 * Machine-readable benchmark results: each bench also writes `.handoff/bench/<benchmark>.json`
 * (docs/performance.md, "Machine-readable results"). The file is validated against
 * `benchResultsSchema` before it is written.
 *
 * `ratio` is handoff / peer.value when the figure has a peer, else handoff / floor when it has a
 * floor, else null. With both, the ratio to the floor is handoff / floor (not stored).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readComponents, repoRoot, type ComponentName } from '../stack/binaries/versions';

/** Overrides the default directory, `<repo>/.handoff/bench`. */
export const RESULTS_DIR_ENV = 'HANDOFF_BENCH_RESULTS_DIR';

const positive = z.number().positive();

const figureSchema = z
  .object({
    name: z.string().min(1),
    unit: z.string().min(1),
    handoff: z.number().nonnegative(),
    peer: z.object({ name: z.string().min(1), value: positive }).strict().nullable(),
    floor: positive.nullable(),
    ratio: z.number().nonnegative().nullable(),
  })
  .strict()
  .superRefine((figure, context) => {
    const expected = expectedRatio(figure.handoff, figure.peer?.value, figure.floor ?? undefined);
    const agrees = expected === null ? figure.ratio === null : figure.ratio !== null && Math.abs(figure.ratio - expected) <= 1e-9 * expected;
    if (!agrees) context.addIssue({ code: 'custom', path: ['ratio'], message: `ratio must be ${expected === null ? 'null' : `${expected} (handoff / ${figure.peer ? 'peer' : 'floor'})`}` });
  });

export const benchResultsSchema = z
  .object({
    machine: z.object({ cpu: z.string().min(1), cores: z.number().int().positive(), memoryBytes: z.number().int().positive(), os: z.string().min(1), kernel: z.string().min(1) }).strict(),
    versions: z.object({ node: z.string().min(1), handoff: z.string().min(1) }).catchall(z.string().min(1)),
    figures: z.array(figureSchema).min(1),
  })
  .strict()
  .superRefine((results, context) => {
    const seen = new Set<string>();
    for (const [index, figure] of results.figures.entries()) {
      if (seen.has(figure.name)) context.addIssue({ code: 'custom', path: ['figures', index, 'name'], message: `figure ${figure.name} appears twice` });
      seen.add(figure.name);
    }
  });

export type BenchResults = z.infer<typeof benchResultsSchema>;
export type Figure = BenchResults['figures'][number];

function expectedRatio(handoff: number, peer: number | undefined, floor: number | undefined): number | null {
  if (peer !== undefined) return handoff / peer;
  if (floor !== undefined) return handoff / floor;
  return null;
}

/** One figure, its ratio computed as the module comment says. */
export function figure(input: { name: string; unit: string; handoff: number; peer?: { name: string; value: number }; floor?: number }): Figure {
  return {
    name: input.name,
    unit: input.unit,
    handoff: input.handoff,
    peer: input.peer ?? null,
    floor: input.floor ?? null,
    ratio: expectedRatio(input.handoff, input.peer?.value, input.floor),
  };
}

export function machineInfo(): BenchResults['machine'] {
  return { cpu: cpus()[0]?.model.trim() || 'unknown', cores: availableParallelism(), memoryBytes: totalmem(), os: type(), kernel: release() };
}

/** Node, Handoff (package.json) and the pinned versions (dev/tools/versions.json) of the given components, plus `extra`. */
export function versionsOf(components: readonly ComponentName[], extra: Record<string, string> = {}): BenchResults['versions'] {
  const pinned = readComponents();
  const handoff = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return { node: process.version, handoff, ...Object.fromEntries(components.map((name) => [name, pinned[name].version])), ...extra };
}

/** Validates and writes `<dir>/<benchmark>.json`; returns its path. */
export function writeResults(
  benchmark: string,
  results: Omit<BenchResults, 'machine'> & { machine?: BenchResults['machine'] },
  options: { dir?: string } = {},
): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(benchmark)) throw new Error(`benchmark name ${JSON.stringify(benchmark)}: lowercase letters, digits and dashes only`);
  const valid = benchResultsSchema.parse({ machine: results.machine ?? machineInfo(), versions: results.versions, figures: results.figures });
  const dir = options.dir ?? (process.env[RESULTS_DIR_ENV] || join(repoRoot, '.handoff', 'bench'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${benchmark}.json`);
  writeFileSync(file, `${JSON.stringify(valid, null, 2)}\n`);
  return file;
}
