// Reads tools/versions.json, the one place that pins every upstream Go component.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ComponentName = 'kubernetes' | 'etcd' | 'argo-workflows' | 'argo-events' | 'nats-server' | 'knative-serving';

export interface Component {
  /** Go module path of the upstream component. */
  module: string;
  version: string;
  /** Wrapper module folder under tools/. */
  dir: string;
  /** Binary name → Go package built from the wrapper module. */
  binaries: Record<string, string>;
}

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const toolsDir = join(repoRoot, 'tools');

export function readComponents(): Record<ComponentName, Component> {
  const raw = JSON.parse(readFileSync(join(toolsDir, 'versions.json'), 'utf8')) as { components: Record<ComponentName, Component> };
  return raw.components;
}

/** The component that builds a given binary name. */
export function componentOfBinary(binary: string): [ComponentName, Component] {
  for (const [name, component] of Object.entries(readComponents()) as [ComponentName, Component][]) {
    if (binary in component.binaries) return [name, component];
  }
  throw new Error(`no component in tools/versions.json builds ${binary}`);
}
