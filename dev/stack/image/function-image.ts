// The function image, built by buildah from the shipped Dockerfile unchanged, on the local bases,
// and written as a docker-archive for `ctr images import`. Cached by a hash of everything the
// Dockerfile reads and of the bases: a second `npm run image` with nothing changed takes seconds.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../binaries/versions';
import { INPUTS_LABEL, baseImageName, ensureBase, imageCacheDir } from './bases';
import { bud, imageLabels, imagesNamed, pushDockerArchive, removeDanglingImages, removeImage } from './buildah';
import { filesUnder, inputHash } from './input-hash';
import { readImagePins } from './pins';

/** What the Dockerfile reads from the build context (its COPY sources), and the Dockerfile itself. */
export const DOCKERFILE_INPUTS = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'dev/scripts/build.ts', 'dev/scripts/bundle', 'shared', 'functions'];

export interface BuiltImage {
  /** Full name, e.g. dev.local/handoff:0.1.0-1a2b3c4d5e6f (the tag carries the input hash). */
  name: string;
  archive: string;
  inputs: string;
  /** Seconds the last build took (bases and image), 0 when cached. */
  seconds: number;
  archiveBytes: number;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function ensureFunctionImage(log: (line: string) => void = () => {}): Promise<BuiltImage> {
  const pins = readImagePins();
  const logFile = join(imageCacheDir, 'build.log');
  const started = Date.now();
  log(`bases: ${baseImageName('build')}, ${baseImageName('runtime')}`);
  const buildBase = await ensureBase('build', logFile, pins);
  const runtimeBase = await ensureBase('runtime', logFile, pins);
  const baseInputs = [buildBase, runtimeBase].map((base) => `${base}=${imageLabels(base)?.[INPUTS_LABEL] ?? ''}`);
  const inputs = inputHash(filesUnder(DOCKERFILE_INPUTS), baseInputs);
  const name = `${pins.name}:${packageVersion()}-${inputs}`;
  const archive = join(imageCacheDir, `handoff-${inputs}.tar`);
  const stamp = `${archive}.json`;
  if (existsSync(archive) && existsSync(stamp)) return { ...(JSON.parse(readFileSync(stamp, 'utf8')) as BuiltImage), seconds: 0 };

  log(`building ${name} from the Dockerfile (log: ${logFile})`);
  const buildArgs = { BUILD_IMAGE: buildBase, RUNTIME_IMAGE: runtimeBase };
  await bud({ context: repoRoot, containerfile: join(repoRoot, 'Dockerfile'), tag: name, buildArgs, labels: { [INPUTS_LABEL]: inputs }, logFile });
  rmSync(`${archive}.tmp`, { force: true });
  await pushDockerArchive(name, `${archive}.tmp`, name, logFile);
  renameSync(`${archive}.tmp`, archive);
  const built: BuiltImage = { name, archive, inputs, seconds: Math.round((Date.now() - started) / 1000), archiveBytes: statSync(archive).size };
  writeFileSync(stamp, JSON.stringify({ ...built, builtAt: new Date().toISOString() }, null, 2) + '\n');
  log(`built ${name} in ${built.seconds} s, ${(built.archiveBytes / 1e6).toFixed(1)} MB → ${archive}`);
  pruneOlderBuilds(pins.name, name, archive);
  return built;
}

/** Each build is about 170 MB: keep only the newest archive and image (containerd keeps what it imported). */
function pruneOlderBuilds(repository: string, keepName: string, keepArchive: string): void {
  for (const file of readdirSync(imageCacheDir)) {
    const path = join(imageCacheDir, file);
    if (/^handoff-[0-9a-f]+\.tar(\.json)?$/.test(file) && !path.startsWith(keepArchive)) rmSync(path, { force: true });
  }
  for (const name of imagesNamed(repository)) if (name !== keepName) removeImage(name);
  removeDanglingImages();
}
