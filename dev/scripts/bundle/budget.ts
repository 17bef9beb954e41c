/** The size budget of one function bundle (issue 16): every function's bundle is parsed at each cold start. */
import type { Metafile } from 'esbuild';

export const BUNDLE_BUDGET_BYTES = 1_500_000;

export interface BundleSize {
  readonly file: string;
  readonly bytes: number;
}

/** The JavaScript outputs of a build (not source maps or legal comments), largest first. */
export function bundleSizes(metafile: Metafile): BundleSize[] {
  return Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, output]) => ({ file, bytes: output.bytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** The bundles over `budget` bytes. */
export function overBudget(metafile: Metafile, budget: number = BUNDLE_BUDGET_BYTES): BundleSize[] {
  return bundleSizes(metafile).filter(({ bytes }) => bytes > budget);
}

export function overBudgetMessage(over: readonly BundleSize[], budget: number = BUNDLE_BUDGET_BYTES): string {
  const lines = over.map(({ file, bytes }) => `  ${file}: ${bytes} bytes, ${bytes - budget} over`);
  return [
    `${over.length} function bundle(s) exceed the budget of ${budget} bytes (dev/scripts/bundle/budget.ts):`,
    ...lines,
    'See what grew with `npx tsx dev/scripts/build.ts --breakdown`.',
  ].join('\n');
}
