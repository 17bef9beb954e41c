/** Bundles every function into `outdir` (emptied first), with dev/scripts/bundle/options.ts; returns the metafile. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_ROOT, bundleOptions, functionNames } from './options';

export async function bundleFunctions(outdir: string, names: readonly string[] = functionNames()): Promise<Metafile> {
  const absolute = isAbsolute(outdir) ? outdir : join(BUNDLE_ROOT, outdir);
  await rm(absolute, { recursive: true, force: true });
  await mkdir(absolute, { recursive: true });
  // The bundles are ESM; this lets `node <outdir>/functions/<name>/index.js` run without the repo's package.json.
  await writeFile(join(absolute, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  return (await build(bundleOptions(names, absolute))).metafile;
}
