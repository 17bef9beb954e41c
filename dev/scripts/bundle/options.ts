/**
 * The esbuild options of the function bundles: per function a self-contained ESM app, dist/functions/<name>/app.js,
 * and the runner node starts, dist/functions/<name>/index.js, which serves the app's function
 * (functions/<name>/index.ts's default export); plus dist/prepare-compile-cache.js (dev/scripts/bundle/runner.ts).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';
import { appEntry, prepareCompileCacheEntry, runnerEntry, runnerPlugin } from './runner';
import { clientNodeModelsPlugin } from './client-node-models';

/** The repository root (this file is dev/scripts/bundle/options.ts), so the options work from any working directory. */
export const BUNDLE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Packages replaced in the bundles. whatwg-url 5 (node-fetch 2's, via @kubernetes/client-node) is a
 * fallback node-fetch never takes on Node (dev/scripts/bundle/whatwg-url.cjs): the shim drops it and its
 * tr46 (about 290 KiB). That also drops the only `require('punycode')` (tr46 0.0.3's, the built-in
 * module deprecated at run time since Node 21, DEP0040), for which the bundles used to alias the
 * userland `punycode/`.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  'whatwg-url': fileURLToPath(new URL('./whatwg-url.cjs', import.meta.url)),
};

/**
 * node-fetch 2's `require('url')`, and only its, resolves to dev/scripts/bundle/node-fetch-url.cjs: Node's url module
 * with a `parse` that does not print Node 24's DEP0169 deprecation warning into the function's log.
 */
export const nodeFetchUrlPlugin: Plugin = {
  name: 'node-fetch-url',
  setup(build) {
    const shim = fileURLToPath(new URL('./node-fetch-url.cjs', import.meta.url));
    build.onResolve({ filter: /^url$/ }, ({ importer }) => (/[\\/]node_modules[\\/]node-fetch[\\/]/.test(importer) ? { path: shim } : undefined));
  },
};

/** The plugins every bundle of the app uses, the functions' and the benchmark peers' alike. */
export const BUNDLE_PLUGINS: readonly Plugin[] = [nodeFetchUrlPlugin, clientNodeModelsPlugin()];

/** The functions: each folder of functions/ with an index.ts. */
export function functionNames(root: string = BUNDLE_ROOT): string[] {
  return readdirSync(`${root}/functions`, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Options for bundling `names` into `outdir`/functions/<name>/{index,app}.js (outdir relative to the root, or absolute). */
export function bundleOptions(names: readonly string[], outdir: string) {
  return {
    absWorkingDir: BUNDLE_ROOT,
    entryPoints: {
      ...Object.fromEntries(names.flatMap((name) => [[`functions/${name}/index`, runnerEntry(name)], [`functions/${name}/app`, appEntry(name)]])),
      'prepare-compile-cache': prepareCompileCacheEntry,
    },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'linked',
    // Bundled CommonJS dependencies call require(); give ESM output one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    alias: { ...BUNDLE_ALIASES },
    plugins: [runnerPlugin(BUNDLE_ROOT), ...BUNDLE_PLUGINS],
    logLevel: 'warning',
  } satisfies BuildOptions;
}
