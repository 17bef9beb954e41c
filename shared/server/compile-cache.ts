/**
 * Node's on-disk compile cache for the function bundles: `dist/.compile-cache/`, beside `dist/functions/`.
 *
 * Every cold start used to parse and compile its ~1 MB app.js, the largest single cost of a start after Node's own
 * boot. With module.enableCompileCache (Node ≥ 22.1; the image ships Node 24) V8 reads the code it compiled
 * before from the cache instead, checked against the file's contents. The image fills the cache once at build
 * time with its own Node (`prepare-compile-cache.js`, Dockerfile) so every pod starts from it, on a read-only
 * root filesystem too: Node then only reads it, and a write it cannot make is skipped without a word.
 *
 * Node 20 has no compile cache: the runner then compiles as before. NODE_DISABLE_COMPILE_CACHE=1 turns it off;
 * NODE_COMPILE_CACHE=<dir> puts it elsewhere (both Node's own variables).
 */
import nodeModule from 'node:module';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The part of node:module used here; @types/node 20 does not declare it. */
interface CompileCacheApi {
  readonly enableCompileCache?: (directory: string) => { readonly status: number; readonly message?: string; readonly directory?: string };
  readonly flushCompileCache?: () => void;
  readonly constants?: { readonly compileCacheStatus?: Readonly<Record<'FAILED' | 'ENABLED' | 'ALREADY_ENABLED' | 'DISABLED', number>> };
}

const api = nodeModule as unknown as CompileCacheApi;

/** The cache folder of the build whose dist/ folder is `distUrl`. */
export const compileCacheDirectory = (distUrl: URL) => fileURLToPath(new URL('.compile-cache/', distUrl));

/** For a runner (dist/functions/<name>/index.js): compile what it imports from here on through the cache. */
export function enableCompileCache(runnerUrl: string): void {
  api.enableCompileCache?.(compileCacheDirectory(new URL('../../', runnerUrl)));
}

/** dist/prepare-compile-cache.js: prepareCompileCache, or the reason it cannot on stderr and exit code 1. */
export async function prepareCompileCacheOrFail(scriptUrl: string): Promise<void> {
  try {
    await prepareCompileCache(scriptUrl);
  } catch (error) {
    process.stderr.write(`prepare-compile-cache: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

/**
 * For dist/prepare-compile-cache.js: compiles every function's app.js into the cache and writes it. Importing an
 * app.js defines the function and serves nothing (dev/scripts/bundle/runner.ts). Fails, exit code 1, when the
 * cache cannot be written or this Node has none, so an image build does not ship without it unnoticed.
 */
export async function prepareCompileCache(scriptUrl: string, log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const distUrl = new URL('./', scriptUrl);
  const directory = compileCacheDirectory(distUrl);
  const statuses = api.constants?.compileCacheStatus;
  const result = api.enableCompileCache?.(directory);
  if (!result || !statuses) throw new Error(`Node.js ${process.version} has no compile cache (module.enableCompileCache needs Node.js 22.1 or later)`);
  if (result.status !== statuses.ENABLED && result.status !== statuses.ALREADY_ENABLED) {
    throw new Error(`the compile cache could not be enabled in ${directory}: ${result.message ?? `status ${result.status}`}`);
  }
  const names = readdirSync(new URL('functions/', distUrl), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const name of names) await import(new URL(`functions/${name}/app.js`, distUrl).href);
  api.flushCompileCache?.();
  log(`compile cache: ${names.length} function(s) compiled into ${result.directory ?? directory} by Node.js ${process.version}`);
}
