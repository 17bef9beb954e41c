// Our manifests against the real tools: argo lint, argo-events lint, Knative Serving's own
// defaulting and validation (validate-knative-services, built from the pinned knative.dev/serving),
// server-side dry-run of the Knative Services against the real Knative CRDs, and the deploy command
// against the real apiserver.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYamlObjects } from '../../dev/stack/control-plane/crds';
import { functionNames } from '../../dev/stack/functions/functions';
import { repoRoot } from '../../dev/stack/binaries/versions';
import { kube, stack } from './support';

const yamlFiles = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)) : [];

const workflowFiles = yamlFiles(join(repoRoot, 'argo', 'workflows'));
const eventFiles = yamlFiles(join(repoRoot, 'argo', 'events')).filter((f) => readYamlObjects(f).some((o) => o.kind === 'Sensor' || o.kind === 'EventSource'));
const knativeFiles = yamlFiles(join(repoRoot, 'knative'));
const knativeServices = knativeFiles.flatMap(readYamlObjects).filter((o) => o.kind === 'Service' && o.apiVersion.startsWith('serving.knative.dev/'));
const oldServiceFixture = join(repoRoot, 'test', 'fixtures', 'knative', 'rex-push.before-issue-10.yaml');

interface KnativeDiagnostic {
  text: string;
  paths: string[];
}
interface KnativeVerdicts {
  objects: { file: string; kind: string; name: string; errors: KnativeDiagnostic[]; warnings: KnativeDiagnostic[] }[];
  errors: number;
  warnings: number;
}

function knativeWebhook(files: string[]) {
  const out = spawnSync(stack().validateKnativeServices, files, { encoding: 'utf8' });
  return { status: out.status, stderr: out.stderr, verdicts: JSON.parse(out.stdout) as KnativeVerdicts };
}

describe('upstream linters on the committed manifests', () => {
  it.skipIf(workflowFiles.length === 0)('argo lint --offline is clean', () => {
    const out = spawnSync(stack().argo, ['lint', '--offline', ...workflowFiles], { encoding: 'utf8' });
    expect(out.status, `${out.stdout}${out.stderr}`).toBe(0);
  });

  it.skipIf(eventFiles.length === 0)('argo-events lint is clean', () => {
    const out = spawnSync(stack().argoEvents, ['lint', ...eventFiles], { encoding: 'utf8' });
    expect(out.status, `${out.stdout}${out.stderr}`).toBe(0);
  });
});

describe("Knative Serving's own defaulting and validation (as its webhook on create, default feature flags)", () => {
  it.skipIf(knativeServices.length === 0)('accepts every Service in knative/ with no error and no warning', () => {
    const { status, stderr, verdicts } = knativeWebhook(knativeFiles);
    expect(verdicts.objects.map((o) => o.name).sort()).toEqual(knativeServices.map((s) => s.metadata.name).sort());
    expect(verdicts, stderr).toMatchObject({ errors: 0, warnings: 0 });
    expect(status).toBe(0);
  });

  it('rejects a Service as generated before issue 10 (fieldRef error, seccompProfile warning)', () => {
    const { status, verdicts } = knativeWebhook([oldServiceFixture]);
    expect(status).toBe(1);
    const [object] = verdicts.objects;
    expect(object?.errors.map((e) => e.text)).toEqual(['must not set the field(s): spec.template.spec.containers[0].env[0].valueFrom.fieldRef']);
    expect(object?.warnings.map((w) => w.text)).toEqual([
      'Kubernetes default value is insecure, Knative may default this to secure in a future release: spec.template.spec.containers[0].securityContext.seccompProfile',
    ]);
  });
});

describe('Knative Services against the real Knative Serving CRDs', () => {
  it.skipIf(knativeServices.length === 0)('every Service passes a server-side dry-run apply', async () => {
    const rest = kube();
    for (const service of knativeServices) {
      const res = await rest.apply({ ...service, metadata: { ...service.metadata, namespace: service.metadata.namespace ?? stack().namespace } }, { dryRun: true });
      expect(res.status, `${service.metadata.name}: ${res.text}`).toBeLessThan(300);
    }
  });

  const deployScript = ['ts', 'mjs', 'js'].some((ext) => existsSync(join(repoRoot, 'dev', 'scripts', `deploy.${ext}`)));
  it.skipIf(!deployScript || knativeServices.length === 0)('npm run deploy -- <function> changes only that function\'s Service', async () => {
    const rest = kube();
    const { kubeconfig } = stack();
    // A namespace of its own: the published image cannot be pulled here, and with Knative running its
    // Revisions would fail beside the ones the Knative tests deploy with the image built here.
    const namespace = 'handoff-deploy-e2e';
    const created = await rest.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    expect(created.status, created.text).toBeLessThan(300);
    const servicePath = (name: string) => `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/${name}`;
    const deploy = (fn: string, image: string) => execFileSync('npm', ['run', '--silent', 'deploy', '--', fn, '--namespace', namespace, '--image', image], { cwd: repoRoot, env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: 'utf8', stdio: 'pipe' });
    // Every function deployed once, then one redeployed with a new image.
    for (const fn of functionNames) deploy(fn, 'registry.local/handoff:1');
    // The spec's generation: a controller writing status (Knative's, when it runs) does not change it.
    const state = async () =>
      Object.fromEntries(
        await Promise.all(
          functionNames.map(async (fn) => {
            const res = await rest.call<{ metadata: { generation?: number }; spec?: { template?: { spec?: { containers?: { image: string }[] } } } }>('GET', servicePath(fn));
            return [fn, { generation: res.body.metadata?.generation, image: res.body.spec?.template?.spec?.containers?.[0]?.image }] as const;
          }),
        ),
      );
    const before = await state();
    for (const fn of functionNames) expect(before[fn]!.generation, `Service ${fn} exists after deploy`).toBeDefined();
    const [target, ...others] = functionNames;
    deploy(target!, 'registry.local/handoff:2');
    const after = await state();
    expect(after[target!]).toEqual({ generation: before[target!]!.generation! + 1, image: 'registry.local/handoff:2' });
    for (const fn of others) expect(after[fn]).toEqual(before[fn]);
  });
});
