// A content hash over files (by path relative to the repo and bytes) and extra strings: the cache
// key of a rootfs, a base image and the function image.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../binaries/versions';

/** Every file under each path (a file or a folder), sorted, repo-relative. */
export function filesUnder(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else found.push(path);
  };
  for (const path of paths) walk(join(repoRoot, path));
  return found.map((file) => relative(repoRoot, file)).sort();
}

export function inputHash(files: string[], extra: string[] = []): string {
  const hash = createHash('sha256');
  for (const value of extra) hash.update(`${value}\0`);
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(repoRoot, file))).update('\0');
  return hash.digest('hex').slice(0, 12);
}
