/** The size budget of one function bundle (issue 16): every function's bundle is parsed at each cold start. */
import type { Metafile } from 'esbuild';

export const BUNDLE_BUDGET_BYTES = 1_500_000;

export interface BundleSize {
  /** The function's folder in the build: `<outdir>/functions/<name>`. */
  readonly file: string;
  /** Its JavaScript (not source maps or legal comments): the runner index.js and the app.js it loads. */
  readonly bytes: number;
}

/** Per function, the JavaScript a start loads, largest first. */
export function bundleSizes(metafile: Metafile): BundleSize[] {
  const totals = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const folder = /^(.*functions\/[^/]+)\/[^/]+\.js$/.exec(file)?.[1];
    if (folder) totals.set(folder, (totals.get(folder) ?? 0) + output.bytes);
  }
  return [...totals].map(([file, bytes]) => ({ file, bytes })).sort((a, b) => b.bytes - a.bytes);
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
