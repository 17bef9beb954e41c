/** Bundles each function into one self-contained file: dist/functions/<name>/index.js. */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const functions = (await readdir('functions', { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
// The bundles are ESM; this lets `node dist/functions/<name>/index.js` run without the repo's package.json.
await writeFile('dist/package.json', `${JSON.stringify({ type: 'module' })}\n`);

const result = await build({
  entryPoints: Object.fromEntries(functions.map((name) => [`functions/${name}/index`, `functions/${name}/index.ts`])),
  outdir: 'dist',
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
  // node-fetch 2 (via @kubernetes/client-node) → whatwg-url 5 → tr46 0.0.3 requires Node's built-in
  // `punycode`, deprecated at run time since Node 21 (DEP0040): every start on Node 24 printed a
  // DeprecationWarning. Bundle the userland package instead, as tr46's later releases do ('punycode/').
  alias: { punycode: 'punycode/' },
  logLevel: 'warning',
});

for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.js')) console.log(`${file}  ${(output.bytes / 1024).toFixed(0)} KiB`);
}
