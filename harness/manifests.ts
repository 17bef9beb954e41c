// Access to the manifest generator (manifests/index.ts, owned by the manifests engineer) through
// the agreed API, loaded lazily so the harness still builds while it is being written.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionName } from '../shared/declarations';
import type { KubeObject } from './kube-rest';
import { repoRoot } from './versions';

export interface GeneratedFile {
  path: string;
  objects: object[];
}

export interface ManifestOptions {
  namespace: string;
  image: string;
  functionUrl(name: FunctionName): string;
  eventSourceName: string;
  eventBusName: string;
  webhookSecret: { name: string; key: string };
  sensorTokenSecret: { name: string; key: string };
  acceptedTokensSecret: { name: string; key: string };
  playVariant: 'coderun' | 'podless';
  stepImages: { shell: string; kubectl: string };
}

export type BuildManifests = (options?: Partial<ManifestOptions>) => GeneratedFile[];

export const manifestsModule = join(repoRoot, 'manifests', 'index.ts');

export function manifestsAvailable(): boolean {
  return existsSync(manifestsModule);
}

export async function loadBuildManifests(): Promise<BuildManifests> {
  if (!manifestsAvailable()) throw new Error(`${manifestsModule} does not exist yet (the manifest generator); the Argo Events part of the stack needs it`);
  const specifier = '../manifests/index';
  const module = (await import(specifier)) as { buildManifests?: BuildManifests };
  if (typeof module.buildManifests !== 'function') throw new Error('manifests/index.ts does not export buildManifests');
  return module.buildManifests;
}

export function objectsOf(files: GeneratedFile[], predicate: (file: GeneratedFile) => boolean = () => true): KubeObject[] {
  return files.filter(predicate).flatMap((f) => f.objects as KubeObject[]);
}
