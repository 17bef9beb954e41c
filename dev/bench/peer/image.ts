// The peer image (dev/bench/peer/Containerfile), built by buildah on the same local bases as the
// function image (dev/stack/image/function-image.ts) and cached the same way: by a hash of what the
// Containerfile reads and of the bases.
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INPUTS_LABEL, ensureBase, imageCacheDir } from '../../stack/image/bases';
import { bud, imageLabels, pushDockerArchive } from '../../stack/image/buildah';
import type { BuiltImage } from '../../stack/image/function-image';
import { filesUnder, inputHash } from '../../stack/image/input-hash';
import { readImagePins } from '../../stack/image/pins';
import { repoRoot } from '../../stack/binaries/versions';

/** What the Containerfile reads from the build context. */
const PEER_INPUTS = ['dev/bench/peer/Containerfile', 'package.json', 'package-lock.json', 'tsconfig.json', 'shared', 'functions', 'dev/bench/peer'];
/** Not resolved to a digest by Knative (dev.local), like the function image. */
export const PEER_REPOSITORY = 'dev.local/handoff-faas-peer';

/** faas-js-runtime's version as package-lock.json pins it. */
export function faasJsRuntimeVersion(): string {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages['node_modules/faas-js-runtime']?.version;
  if (!version) throw new Error('package-lock.json pins no faas-js-runtime');
  return version;
}

export async function ensurePeerImage(log: (line: string) => void = () => {}): Promise<BuiltImage> {
  const pins = readImagePins();
  const logFile = join(imageCacheDir, 'build-peer.log');
  const started = Date.now();
  const buildBase = await ensureBase('build', logFile, pins);
  const runtimeBase = await ensureBase('runtime', logFile, pins);
  const runtime = faasJsRuntimeVersion();
  const baseInputs = [buildBase, runtimeBase].map((base) => `${base}=${imageLabels(base)?.[INPUTS_LABEL] ?? ''}`);
  const inputs = inputHash(filesUnder(PEER_INPUTS), [...baseInputs, `faas-js-runtime@${runtime}`]);
  const name = `${PEER_REPOSITORY}:${runtime}-${inputs}`;
  const archive = join(imageCacheDir, `faas-peer-${inputs}.tar`);
  const stamp = `${archive}.json`;
  if (existsSync(archive) && existsSync(stamp)) return { ...(JSON.parse(readFileSync(stamp, 'utf8')) as BuiltImage), seconds: 0 };
  log(`building ${name} from dev/bench/peer/Containerfile (log: ${logFile})`);
  const buildArgs = { BUILD_IMAGE: buildBase, RUNTIME_IMAGE: runtimeBase, FAAS_JS_RUNTIME_VERSION: runtime };
  await bud({ context: repoRoot, containerfile: join(repoRoot, 'dev/bench/peer/Containerfile'), tag: name, buildArgs, labels: { [INPUTS_LABEL]: inputs }, logFile });
  rmSync(`${archive}.tmp`, { force: true });
  await pushDockerArchive(name, `${archive}.tmp`, name, logFile);
  renameSync(`${archive}.tmp`, archive);
  const built: BuiltImage = { name, archive, inputs, seconds: Math.round((Date.now() - started) / 1000), archiveBytes: statSync(archive).size };
  writeFileSync(stamp, JSON.stringify({ ...built, builtAt: new Date().toISOString() }, null, 2) + '\n');
  log(`built ${name} in ${built.seconds} s, ${(built.archiveBytes / 1e6).toFixed(1)} MB`);
  return built;
}
