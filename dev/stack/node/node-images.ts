// The images every pod on the node needs besides ours, made from binaries the project builds
// (no registry is reachable): the sandbox's pause (Kubernetes build/pause/Dockerfile: `/pause`,
// USER 65535:65535) and Argo's executor (upstream's argoexec image: `/bin/argoexec` on PATH, which
// emissary copies into each pod, workflow/executor/emissary/binary.go). Written once per binary
// version into .cache/node-images and imported into containerd when it lacks the name. Beside them,
// the platform templates' step images (step-images.ts), which stand in for public images.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BinaryName } from '../binaries/binaries';
import { createCtr } from '../image/ctr';
import { readComponents, repoRoot } from '../binaries/versions';
import { writeOciArchive, type OciImage } from './oci-archive';
import { stepImageDefinitions, stepImageInputs, stepImageNames, type StepImages } from './step-images';

export const nodeImagesDir = join(repoRoot, '.cache', 'node-images');

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface NodeImages {
  pause: string;
  argoexec: string;
  /** The platform WorkflowTemplates' step images (manifests option `stepImages`). */
  steps: StepImages;
}

/** The image names, from the pinned versions (dev/tools/versions.json). */
export function nodeImageNames(): Omit<NodeImages, 'steps'> {
  const components = readComponents();
  const pauseTag = components.kubernetes.cBinaries?.pause?.imageTag ?? '3.10.1';
  return { pause: `dev.local/pause:${pauseTag}`, argoexec: `dev.local/argoexec:${components['argo-workflows'].version}` };
}

export function nodeImageDefinitions(binaries: Pick<Record<BinaryName, string>, 'pause' | 'argoexec'>): OciImage[] {
  const names = nodeImageNames();
  return [
    { name: names.pause, files: [{ source: binaries.pause, path: '/pause', mode: 0o755 }], config: { Entrypoint: ['/pause'], User: '65535:65535' } },
    {
      name: names.argoexec,
      files: [{ source: binaries.argoexec, path: '/bin/argoexec', mode: 0o755 }],
      directories: { '/tmp': 0o1777 },
      config: { Entrypoint: ['argoexec'], Env: [PATH] },
    },
  ];
}

/** Writes each image's archive if missing (once per name, in .cache/node-images) and imports it into the containerd on `address` if it lacks it. */
export async function ensureImages(address: string, images: OciImage[], logFile: string, log: (line: string) => void): Promise<void> {
  const ctr = createCtr(address, logFile);
  for (const image of images) {
    if (ctr.hasImage(image.name)) continue;
    const archive = join(nodeImagesDir, `${image.name.replaceAll(/[/:]/g, '_')}.tar`);
    if (!existsSync(archive)) writeOciArchive(archive, image);
    await ctr.importArchive(archive, image.name);
    log(`imported ${image.name} into containerd`);
  }
}

/** The node's own images and the platform templates' step images, in the containerd on `address`. */
export async function loadNodeImages(address: string, binaries: Pick<Record<BinaryName, string>, 'pause' | 'argoexec' | 'kubectl'>, logFile: string, log: (line: string) => void): Promise<NodeImages> {
  const steps = stepImageInputs(binaries.kubectl, log);
  await ensureImages(address, [...nodeImageDefinitions(binaries), ...stepImageDefinitions(steps)], logFile, log);
  return { ...nodeImageNames(), steps: stepImageNames(steps.busyboxVersion) };
}
