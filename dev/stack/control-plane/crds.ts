// CustomResourceDefinitions read from the pinned Go modules in the module cache (nothing copied
// into the repo), plus a test copy of the agent platform's CodeRun CRD, applied server-side and awaited until Established.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { moduleDir } from '../binaries/binaries';
import type { KubeObject, KubeRest } from '../kube-rest';
import { waitFor } from '../processes/processes';
import { readComponents, repoRoot } from '../binaries/versions';

/** Files matching `dir/prefix*suffix` patterns (a single `*` in the file name). */
function glob(root: string, pattern: string): string[] {
  const dir = join(root, dirname(pattern));
  const [prefix = '', suffix = ''] = basename(pattern).split('*');
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));
}

export function readYamlObjects(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && 'kind' in o);
}

/** The agent platform owns the CodeRun CRD; the stack applies this test copy. */
export const CODERUN_CRD_FIXTURE = 'test/fixtures/crds/coderun.yaml';

export interface CrdSource {
  source: string;
  files: string[];
}

/** CRD files: Argo Workflows (minimal), Argo Events, Knative Serving core, and the test copy of the agent platform's CodeRun CRD. */
export function crdSources(): CrdSource[] {
  const sources: CrdSource[] = [];
  for (const [name, component] of Object.entries(readComponents())) {
    const patterns = (component as { crds?: string[] }).crds ?? [];
    if (patterns.length === 0) continue;
    const root = moduleDir(component.module, component.version);
    sources.push({ source: `${name} ${component.version}`, files: patterns.flatMap((p) => glob(root, p)) });
  }
  sources.push({ source: CODERUN_CRD_FIXTURE, files: [join(repoRoot, CODERUN_CRD_FIXTURE)] });
  return sources;
}

export async function applyCrds(rest: KubeRest, timeoutMs: number, log: (line: string) => void = () => {}): Promise<string[]> {
  const crds: KubeObject[] = [];
  for (const { source, files } of crdSources()) {
    for (const file of files) crds.push(...readYamlObjects(file).filter((o) => o.kind === 'CustomResourceDefinition'));
    log(`CRDs read from ${source}`);
  }
  return applyCrdObjects(rest, crds, timeoutMs);
}

/** Server-side applies CRD objects and waits until each is Established. */
export async function applyCrdObjects(rest: KubeRest, crds: KubeObject[], timeoutMs: number): Promise<string[]> {
  const names: string[] = [];
  for (const crd of crds) {
    const res = await rest.apply(crd);
    if (res.status >= 300) throw new Error(`apply CRD ${crd.metadata.name}: ${res.status} ${res.text}`);
    names.push(crd.metadata.name);
  }
  for (const name of names) {
    await waitFor(`CRD ${name} Established`, async () => {
      const res = await rest.call<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      return !!res.body.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, timeoutMs);
  }
  return names;
}
