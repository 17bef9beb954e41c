// buildah with the project's own image store (.cache/image/storage): the overlay driver, and chroot
// isolation for RUN steps (it reuses the host's cgroup, network and PID namespaces; no OCI runtime
// is needed). Both work on this machine kind (cgroup v1, root); HANDOFF_BUILDAH_STORAGE_DRIVER=vfs
// is the fallback where overlay on overlay is refused.
import { join } from 'node:path';
import { cacheDir } from './npm-package';
import { query, runLogged } from './command';

export const storageRoot = join(cacheDir, 'image', 'storage');
const globalArgs = () => ['--root', storageRoot, '--runroot', join(storageRoot, 'run'), '--storage-driver', process.env.HANDOFF_BUILDAH_STORAGE_DRIVER ?? 'overlay'];

export interface BudOptions {
  context: string;
  containerfile: string;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  logFile: string;
}

export async function bud(options: BudOptions): Promise<void> {
  const args = [...globalArgs(), 'bud', '--pull=never', '--isolation', 'chroot', '--file', options.containerfile, '--tag', options.tag];
  for (const [name, value] of Object.entries(options.buildArgs ?? {})) args.push('--build-arg', `${name}=${value}`);
  for (const [name, value] of Object.entries(options.labels ?? {})) args.push('--label', `${name}=${value}`);
  await runLogged('buildah', [...args, options.context], { logFile: options.logFile });
}

/** The image's labels, or undefined when the store has no image by that name. */
export function imageLabels(name: string): Record<string, string> | undefined {
  const out = query('buildah', [...globalArgs(), 'inspect', '--type', 'image', name]);
  if (out === undefined) return undefined;
  return (JSON.parse(out) as { OCIv1?: { config?: { Labels?: Record<string, string> } } }).OCIv1?.config?.Labels ?? {};
}

/** Writes the image as a docker-archive tarball whose manifest names it `reference`. */
export async function pushDockerArchive(name: string, archive: string, reference: string, logFile: string): Promise<void> {
  await runLogged('buildah', [...globalArgs(), 'push', '--quiet', name, `docker-archive:${archive}:${reference}`], { logFile });
}

/** Names (repository:tag) of the store's images in one repository. */
export function imagesNamed(repository: string): string[] {
  const out = query('buildah', [...globalArgs(), 'images', '--noheading', '--format', '{{.Name}}:{{.Tag}}']) ?? '';
  return out.split('\n').filter((line) => line.startsWith(`${repository}:`));
}

export function removeImage(name: string): void {
  query('buildah', [...globalArgs(), 'rmi', name]);
}

/** Removes images that no name points at any more (an older build whose tag a rebuild took). */
export function removeDanglingImages(): void {
  query('buildah', [...globalArgs(), 'rmi', '--prune']);
}
