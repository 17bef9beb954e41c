/**
 * The Node.js the benchmarks start Handoff (and its peers) on: the image's (dev/tools/versions.json `image.node`,
 * installed into .cache/ as CI's second unit run does), with the compile cache the image fills at build time
 * (dist/prepare-compile-cache.js run by that Node, as the Dockerfile does). Needs `npm run build` first.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../stack/binaries/versions';
import { ensureNode } from '../stack/image/npm-package';
import { readImagePins } from '../stack/image/pins';

export interface ImageNode {
  /** Path of the node binary. */
  readonly node: string;
  /** Its `node --version`, e.g. v24.22.3. */
  readonly version: string;
}

/** Installs the image's Node.js if needed and fills dist/.compile-cache with it; `log` gets prepare's line. */
export function imageNodeWithCompileCache(log: (line: string) => void = () => {}): ImageNode {
  const node = ensureNode(readImagePins().node);
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  log(execFileSync(node, [join(repoRoot, 'dist/prepare-compile-cache.js')], { encoding: 'utf8' }).trim());
  return { node, version };
}
