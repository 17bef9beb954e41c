/** Bundles each function into one self-contained file: dist/functions/<name>/index.js (scripts/bundle/). */
import { bundleFunctions } from './bundle/bundle-functions';

const metafile = await bundleFunctions('dist');

for (const [file, output] of Object.entries(metafile.outputs)) {
  if (file.endsWith('.js')) console.log(`${file}  ${(output.bytes / 1024).toFixed(0)} KiB`);
}
