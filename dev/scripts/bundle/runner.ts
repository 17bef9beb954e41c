/**
 * The bundles' entry points. Per function, two generated modules, as faas-js-runtime loads a Knative function's
 * index.js and serves its `handle`; the entries (functions/<name>/index.ts) start nothing themselves:
 * - `functions/<name>/app.js`: the function (the entry's default export) and `serve`, bundled with every
 *   dependency. Importing it defines things and starts nothing, so the image can compile it ahead
 *   (shared/server/compile-cache.ts).
 * - `functions/<name>/index.js`: the runner `node` starts. It turns on Node's compile cache, then imports app.js
 *   and serves its function.
 * Plus `prepare-compile-cache.js`, which the image runs once to fill that cache.
 */
import type { Plugin } from 'esbuild';

const NAMESPACE = 'handoff-runner';
const APP_NAMESPACE = 'handoff-app';
const PREPARE = 'prepare-compile-cache';

/** The entry point that bundles to `functions/<name>/index.js`: the runner of function `name`. */
export const runnerEntry = (name: string) => `${NAMESPACE}:${name}`;

/** The entry point that bundles to `functions/<name>/app.js`: function `name` and `serve`. */
export const appEntry = (name: string) => `${APP_NAMESPACE}:${name}`;

/** The entry point that bundles to `prepare-compile-cache.js`. */
export const prepareCompileCacheEntry = `${NAMESPACE}:${PREPARE}`;

/** The runner's source: the compile cache on, then its function's app.js (left external: a file of its own), served. */
export const runnerSource = (name: string) =>
  name === PREPARE
    ? [`import { prepareCompileCacheOrFail } from './shared/server/compile-cache.ts';`, 'await prepareCompileCacheOrFail(import.meta.url);'].join('\n')
    : [
        `import { enableCompileCache } from './shared/server/compile-cache.ts';`,
        'enableCompileCache(import.meta.url);',
        `const { default: fn, serve } = await import('./app.js');`,
        'serve(fn);',
      ].join('\n');

/** The app's source: the function's entry and shared/server/serve.ts, exported side by side. */
export const appSource = (name: string) =>
  [`export { default } from ${JSON.stringify(`./functions/${name}/index.ts`)};`, `export { serve } from './shared/server/serve.ts';`].join('\n');

/** Resolves `handoff-runner:<name>` and `handoff-app:<name>` to their generated sources, importing from `root` (the repository). */
export function runnerPlugin(root: string): Plugin {
  return {
    name: NAMESPACE,
    setup(build) {
      for (const [namespace, source] of [
        [NAMESPACE, runnerSource],
        [APP_NAMESPACE, appSource],
      ] as const) {
        build.onResolve({ filter: new RegExp(`^${namespace}:`) }, ({ path }) => ({ path: path.slice(namespace.length + 1), namespace }));
        build.onLoad({ filter: /.*/, namespace }, ({ path }) => ({ contents: source(path), loader: 'ts', resolveDir: root }));
      }
      // The runner imports its app.js beside it at run time.
      build.onResolve({ filter: /^\.\/app\.js$/, namespace: NAMESPACE }, ({ path }) => ({ path, external: true }));
    },
  };
}
