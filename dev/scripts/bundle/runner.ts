/**
 * The bundles' entry points: per function, a generated runner that serves the entry's default export,
 * as faas-js-runtime loads a Knative function's index.js and serves its `handle`. The entries
 * (functions/<name>/index.ts) start nothing themselves.
 */
import type { Plugin } from 'esbuild';

const NAMESPACE = 'handoff-runner';

/** The entry point that bundles to `functions/<name>/index.js`: the runner of function `name`. */
export const runnerEntry = (name: string) => `${NAMESPACE}:${name}`;

/** The runner's source: the function's entry, served by shared/server/serve.ts. */
export const runnerSource = (name: string) =>
  [`import fn from ${JSON.stringify(`./functions/${name}/index.ts`)};`, `import { serve } from './shared/server/serve.ts';`, 'serve(fn);'].join('\n');

/** Resolves `handoff-runner:<name>` to its generated source, importing from `root` (the repository). */
export function runnerPlugin(root: string): Plugin {
  return {
    name: NAMESPACE,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${NAMESPACE}:`) }, ({ path }) => ({ path: path.slice(NAMESPACE.length + 1), namespace: NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, ({ path }) => ({ contents: runnerSource(path), loader: 'ts', resolveDir: root }));
    },
  };
}
