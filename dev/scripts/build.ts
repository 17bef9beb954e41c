/**
 * Bundles each function into one self-contained file: dist/functions/<name>/index.js (dev/scripts/bundle/).
 * Fails when a bundle exceeds dev/scripts/bundle/budget.ts; `--breakdown` prints what fills each bundle.
 */
import { breakdownReport } from './bundle/breakdown';
import { bundleFunctions } from './bundle/bundle-functions';
import { BUNDLE_BUDGET_BYTES, bundleSizes, overBudget, overBudgetMessage } from './bundle/budget';

const metafile = await bundleFunctions('dist');

for (const { file, bytes } of bundleSizes(metafile)) console.log(`${file}  ${(bytes / 1024).toFixed(0)} KiB (${bytes} bytes)`);
if (process.argv.includes('--breakdown')) console.log(`\n${breakdownReport(metafile)}`);

const over = overBudget(metafile, BUNDLE_BUDGET_BYTES);
if (over.length > 0) {
  console.error(overBudgetMessage(over, BUNDLE_BUDGET_BYTES));
  process.exit(1);
}
