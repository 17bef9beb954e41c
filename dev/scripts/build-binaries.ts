// npm run binaries [-- [--force] [name ...]]: builds the pinned upstream binaries into .cache/bin.
// npm run binaries -- --sync [component ...]: regenerates dev/tools/<dir>/go.mod from dev/tools/versions.json
// (every component, or the named ones), then go mod tidy.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { allBinaries, ensureBinaries, type BinaryName } from '../stack/binaries/binaries';
import { syncGoMods } from '../stack/binaries/sync-go-mods';
import { repoRoot } from '../stack/binaries/versions';

const args = process.argv.slice(2);
if (args.includes('--sync')) {
  syncGoMods((line) => console.log(line), args.filter((arg) => !arg.startsWith('--')));
} else {
  const names = args.filter((arg) => !arg.startsWith('--')) as BinaryName[];
  for (const name of names) if (!allBinaries.includes(name)) throw new Error(`unknown binary ${name}; known: ${allBinaries.join(', ')}`);
  const logDir = join(repoRoot, '.cache', 'logs');
  mkdirSync(logDir, { recursive: true });
  const paths = await ensureBinaries(names.length ? names : allBinaries, {
    force: args.includes('--force'),
    logFile: join(logDir, 'build-binaries.log'),
    onProgress: (line) => console.log(`[binaries] ${line}`),
  });
  for (const [name, path] of Object.entries(paths)) console.log(`${name}\t${path}`);
}
