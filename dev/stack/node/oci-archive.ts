// Writes a one-layer OCI image archive (an image-spec v1.1 layout, packed in a tar) from files on
// disk: for images that hold static binaries (the pod sandbox's pause, Argo's argoexec, busybox and
// kubectl), which need no base image and no builder. `ctr images import` names the image from the index's
// `io.containerd.image.name` annotation (containerd images/archive/reference.go).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface ImageFile {
  /** File on the host. */
  source: string;
  /** Absolute path inside the image. */
  path: string;
  mode: number;
}

/** The image config's runtime part (image-spec config.md, `config`). */
export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  User?: string;
  Env?: string[];
  WorkingDir?: string;
}

export interface OciImage {
  /** Full reference, e.g. dev.local/pause:3.10.1. */
  name: string;
  files: ImageFile[];
  /** Empty directories to create (absolute path → mode), e.g. /tmp with 01777. */
  directories?: Record<string, number>;
  /** Symbolic links (absolute path → target as stored), e.g. busybox's applets: /bin/sh → busybox. */
  symlinks?: Record<string, string>;
  config: ImageRuntimeConfig;
}

const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
};

interface Blob {
  digest: string;
  size: number;
}

function putBlob(layout: string, content: Buffer): Blob {
  const hex = createHash('sha256').update(content).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), content);
  return { digest: `sha256:${hex}`, size: content.length };
}

/** Reproducible tar of a directory: sorted names, fixed time and owner (GNU tar). */
function tarDirectory(dir: string, out: string, entries: string[] = ['.']): void {
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', dir, '-cf', out, ...entries], { stdio: 'pipe' });
}

/** Writes `image` as an OCI archive at `out` (replaced atomically). */
export function writeOciArchive(out: string, image: OciImage): void {
  const tag = image.name.slice(image.name.lastIndexOf(':') + 1);
  const work = mkdtempSync(join(tmpdir(), 'handoff-oci-'));
  try {
    const rootfs = join(work, 'rootfs');
    for (const [path, mode] of Object.entries(image.directories ?? {})) {
      mkdirSync(join(rootfs, path), { recursive: true });
      chmodSync(join(rootfs, path), mode);
    }
    for (const file of image.files) {
      const target = join(rootfs, file.path);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file.source, target);
      chmodSync(target, file.mode);
    }
    for (const [path, target] of Object.entries(image.symlinks ?? {})) {
      mkdirSync(dirname(join(rootfs, path)), { recursive: true });
      symlinkSync(target, join(rootfs, path));
    }
    const layout = join(work, 'layout');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const layerTar = join(work, 'layer.tar');
    tarDirectory(rootfs, layerTar);
    const layer = putBlob(layout, readFileSync(layerTar));
    const config = putBlob(
      layout,
      Buffer.from(
        JSON.stringify({
          created: '1970-01-01T00:00:00Z',
          architecture: 'amd64',
          os: 'linux',
          config: image.config,
          // An uncompressed layer's DiffID is its digest.
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
        }),
      ),
    );
    const manifest = putBlob(
      layout,
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.manifest, config: { mediaType: mediaTypes.config, ...config }, layers: [{ mediaType: mediaTypes.layer, ...layer }] })),
    );
    const annotations = { 'io.containerd.image.name': image.name, 'org.opencontainers.image.ref.name': tag };
    writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.index, manifests: [{ mediaType: mediaTypes.manifest, ...manifest, annotations }] }));
    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    mkdirSync(dirname(out), { recursive: true });
    tarDirectory(layout, `${out}.tmp`, ['oci-layout', 'index.json', 'blobs']);
    renameSync(`${out}.tmp`, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
