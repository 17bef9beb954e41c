// Reads dev/tools/versions.json, the one place that pins every upstream Go component.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ComponentName = 'kubernetes' | 'etcd' | 'argo-workflows' | 'argo-events' | 'nats-server' | 'coredns' | 'knative-serving' | 'traefik';

export interface Component {
  /** Go module path of the upstream component. */
  module: string;
  version: string;
  /** Wrapper module folder under dev/tools/. */
  dir: string;
  /** Binary name → Go package of the upstream module, built from the wrapper module. */
  binaries: Record<string, string>;
  /** Binary name → package of the wrapper module itself (`./cmd/...`): a test tool of ours built against the pinned upstream. */
  tools?: Record<string, string>;
  /** Binary name → a C program in the upstream module, built with the host's compiler (e.g. Kubernetes' pause). */
  cBinaries?: Record<string, CBinary>;
}

export interface CBinary {
  /** Source file, relative to the module root. */
  source: string;
  cflags: string[];
  /** Tag of the image upstream ships the binary in. */
  imageTag?: string;
}

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const toolsDir = join(repoRoot, 'dev', 'tools');

export function readComponents(): Record<ComponentName, Component> {
  const raw = JSON.parse(readFileSync(join(toolsDir, 'versions.json'), 'utf8')) as { components: Record<ComponentName, Component> };
  return raw.components;
}

/** The Go package a binary is built from: an upstream command or one of our tools. */
export function packageOfBinary(component: Component, binary: string): string | undefined {
  if (Object.hasOwn(component.binaries, binary)) return component.binaries[binary];
  return component.tools && Object.hasOwn(component.tools, binary) ? component.tools[binary] : undefined;
}

/** The C program a binary is compiled from, if it is one. */
export function cBinaryOf(component: Component, binary: string): CBinary | undefined {
  return component.cBinaries && Object.hasOwn(component.cBinaries, binary) && binary !== '$comment' ? component.cBinaries[binary] : undefined;
}

/** The component that builds a given binary name. */
export function componentOfBinary(binary: string): [ComponentName, Component] {
  for (const [name, component] of Object.entries(readComponents()) as [ComponentName, Component][]) {
    if (packageOfBinary(component, binary) || cBinaryOf(component, binary)) return [name, component];
  }
  throw new Error(`no component in dev/tools/versions.json builds ${binary}`);
}
