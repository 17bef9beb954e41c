// Guarantee: a function's identity may change only what a resume changes (knative/function-write-policy.yaml),
// enforced by the real kube-apiserver's ValidatingAdmissionPolicy, while an admin's same update goes through.
// The workflow here carries a controller-instanceid label, so the workflow-controller (which selects
// `!workflows.argoproj.io/controller-instanceid`, argo-workflows util/instanceid) never touches it: its status is
// exactly what the test wrote, with a few hundred nodes to keep the policy's CEL cost honest.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountToken } from '../../../dev/stack/functions/function-identities';
import { createKubeRest, type KubeRest } from '../../../dev/stack/kube-rest';
import { deadLetterPolicyName } from '../../../manifests/dead-letter-write-policy';
import { writePolicyName } from '../../../manifests/function-write-policy';
import { toDeadLetter, toSecret } from '../../../shared/dead-letters/dead-letter';
import { createSecretDeadLetterStore } from '../../../shared/dead-letters/secret-store';
import { functionServiceAccountName } from '../../../manifests/service-account';
import { createKubernetesClients } from '../../../shared/kubernetes/client';
import type { NodeStatus, Workflow } from '../../../shared/kubernetes/workflow';
import { kube, stack } from './support';

const NODES = 400;
const wfPath = (namespace: string, name: string) => `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows${name ? `/${name}` : ''}`;

function connection() {
  const config = JSON.parse(readFileSync(stack().kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority': string } }[] };
  const cluster = config.clusters[0]!.cluster;
  return { server: cluster.server, caFile: cluster['certificate-authority'] };
}

/** A REST client and a production Kubernetes client authenticated as `handoff-<fn>`'s ServiceAccount. */
async function asFunction(fn: string): Promise<{ rest: KubeRest; kubeConfig: KubeConfig }> {
  const { namespace } = stack();
  const token = await serviceAccountToken(kube(), namespace, functionServiceAccountName(fn));
  const { server, caFile } = connection();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'local', server, caFile }],
    users: [{ name: fn, token }],
    contexts: [{ name: 'local', cluster: 'local', user: fn, namespace }],
    currentContext: 'local',
  });
  return { rest: createKubeRest({ server, token, ca: readFileSync(caFile) }), kubeConfig };
}

const at = '2026-01-01T00:00:00Z';
/** A play-shaped workflow at wait-pr-created with `NODES` nodes: one DAG root, finished pods, a Succeeded and a Running suspend node. */
function bigWorkflow(task: string): Workflow {
  const nodes: Record<string, NodeStatus> = {};
  const root = `play-wp-${task}`;
  const node = (id: string, extra: Partial<NodeStatus>): NodeStatus => ({
    id,
    name: `${root}.${extra.displayName}`,
    displayName: extra.displayName ?? id,
    type: 'Pod',
    phase: 'Succeeded',
    templateName: 'step',
    startedAt: at,
    finishedAt: at,
    boundaryID: root,
    progress: '1/1',
    resourcesDuration: { cpu: 1, memory: 1 },
    inputs: { parameters: [{ name: 'task-id', value: task }, { name: 'repository', value: 'codertocat-hello-world' }] },
    outputs: { parameters: [{ name: 'result', value: `done-${id}` }], exitCode: '0' },
    hostNodeName: 'node-1',
    ...extra,
  });
  for (let i = 0; i < NODES - 3; i += 1) nodes[`${root}-${i}`] = node(`${root}-${i}`, { displayName: `step-${i}` });
  nodes[`${root}-gate-old`] = node(`${root}-gate-old`, { displayName: 'wait-ready-for-qa', type: 'Suspend', templateName: 'wait', message: 'Resumed by: earlier' });
  nodes[`${root}-gate`] = node(`${root}-gate`, {
    displayName: 'wait-pr-created',
    type: 'Suspend',
    templateName: 'wait',
    phase: 'Running',
    finishedAt: undefined,
    outputs: { parameters: [{ name: 'pr-url', valueFrom: { supplied: {}, default: 'none' }, globalName: 'pr-url' }] },
  });
  nodes[root] = node(root, { displayName: root, type: 'DAG', templateName: 'main', phase: 'Running', children: Object.keys(nodes) });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name: root,
      labels: { 'workflow-type': 'play-orchestration', 'task-id': task, repository: 'codertocat-hello-world', 'current-stage': 'waiting-pr-created', 'workflows.argoproj.io/controller-instanceid': 'e2e-unmanaged' },
      annotations: { 'updated-at': at, 'e2e/owner': 'write-policy' },
    },
    spec: { workflowTemplateRef: { name: 'play-orchestration' }, arguments: { parameters: [{ name: 'task-id', value: task }] } },
    status: { phase: 'Running', startedAt: at, progress: '1/400', nodes, outputs: { parameters: [{ name: 'earlier', value: 'x' }] } },
  };
}

describe('function write policy (ValidatingAdmissionPolicy on the real apiserver)', () => {
  let name = '';
  let fn: { rest: KubeRest; kubeConfig: KubeConfig };

  beforeAll(async () => {
    const { namespace } = stack();
    const policy = await kube().call('GET', `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${writePolicyName({ namespace })}`);
    expect(policy.status, 'the stack applies knative/function-write-policy.yaml').toBe(200);
    // A task id no other test uses (uniqueTask stays below 10^6), so no function ever correlates to it.
    const workflow = bigWorkflow(String(90_000_000 + (Date.now() % 1_000_000)));
    const created = await kube().call<Workflow>('POST', wfPath(namespace, ''), workflow);
    expect(created.status, created.text).toBe(201);
    name = created.body.metadata.name;
    fn = await asFunction('pr-opened');
  });

  afterAll(async () => {
    if (name) await kube().call('DELETE', wfPath(stack().namespace, name));
  });

  /** GET as `client`, change the object, PUT it back as `client`. */
  async function update(client: KubeRest, change: (wf: Workflow) => void) {
    const path = wfPath(stack().namespace, name);
    const current = await client.call<Workflow>('GET', path);
    expect(current.status, current.text).toBe(200);
    change(current.body);
    return client.call<{ message?: string }>('PUT', path, current.body);
  }
  const nodeOf = (wf: Workflow, displayName: string) => Object.values(wf.status!.nodes!).find((n) => n.displayName === displayName)!;

  const forbidden: [string, (wf: Workflow) => void, RegExp][] = [
    ['spec', (wf) => void (wf.spec!.activeDeadlineSeconds = 86_400), /may not change a Workflow's spec/],
    ['another label', (wf) => void (wf.metadata.labels!['task-id'] = '1'), /may change only the current-stage label/],
    ['a label added', (wf) => void (wf.metadata.labels!['e2e-added'] = 'x'), /may change only the current-stage label/],
    ['another annotation', (wf) => void (wf.metadata.annotations!['e2e/owner'] = 'someone-else'), /may change only its own annotations/],
    ['a finished pod node', (wf) => void (nodeOf(wf, 'step-7').phase = 'Failed'), /of an active suspend node/],
    ['the DAG root node', (wf) => void (nodeOf(wf, wf.metadata.name).message = 'x'), /of an active suspend node/],
    ['a suspend node already resumed', (wf) => void (nodeOf(wf, 'wait-ready-for-qa').message = 'again'), /of an active suspend node/],
    ['an active suspend node beyond its resume fields', (wf) => void (nodeOf(wf, 'wait-pr-created').templateName = 'other'), /of an active suspend node/],
    ['a node added', (wf) => void (wf.status!.nodes!['injected'] = { ...nodeOf(wf, 'step-1'), id: 'injected' }), /of an active suspend node/],
    ['the workflow phase', (wf) => void (wf.status!.phase = 'Succeeded'), /only status.nodes and status.outputs.parameters/],
  ];

  it.each(forbidden)('denies a function identity changing %s, with the policy message', async (_what, change, message) => {
    const res = await update(fn.rest, change);
    expect(res.status, res.text).toBe(403);
    expect(res.body.message).toMatch(message);
    expect(res.body.message).toContain(writePolicyName(stack()));
  });

  it('lets a resume by the production client through, on a workflow of a few hundred nodes', async () => {
    const started = performance.now();
    const result = await createKubernetesClients({ namespace: stack().namespace, kubeConfig: fn.kubeConfig }).workflows.resume({
      name,
      actor: 'pr-opened',
      suspendNodes: ['wait-pr-created'],
      fromStages: ['waiting-pr-created'],
      nextStage: 'quality-in-progress',
      dedupKeys: [randomUUID()],
      parkFrom: ['implementation-in-progress'],
      outputs: { 'pr-url': 'https://github.com/Codertocat/Hello-World/pull/1' },
    });
    const elapsedMs = performance.now() - started;
    expect(result.outcome).toBe('resumed');
    const stored = (await kube().call<Workflow>('GET', wfPath(stack().namespace, name))).body;
    expect(Object.keys(stored.status!.nodes!)).toHaveLength(NODES);
    expect(nodeOf(stored, 'wait-pr-created').phase).toBe('Succeeded');
    expect(stored.status!.outputs!.parameters).toContainEqual({ name: 'pr-url', value: 'https://github.com/Codertocat/Hello-World/pull/1' });
    expect(stored.metadata.labels!['current-stage']).toBe('quality-in-progress');
    expect(elapsedMs, 'GET + PUT with the policy evaluated').toBeLessThan(5_000);
    console.log(`[write-policy] resume of a ${NODES}-node workflow (${Buffer.byteLength(JSON.stringify(stored))} bytes) admitted in ${Math.round(elapsedMs)} ms`);
  });

  it.each(forbidden)('lets an admin change %s', async (_what, change) => {
    const res = await update(kube(), change);
    expect(res.status, res.text).toBe(200);
  });
});

// Dead letters: RBAC lets a function create and update any Secret of the namespace (a name cannot restrict create);
// handoff-dead-letter-writes-<ns> narrows that to its own dead letters (manifests/dead-letter-write-policy.ts).
describe('dead-letter write policy (real ValidatingAdmissionPolicy)', () => {
  const secretsPath = (name = '') => `/api/v1/namespaces/${stack().namespace}/secrets${name ? `/${name}` : ''}`;
  const own = (key: string) => toSecret(toDeadLetter({ key, function: 'pr-opened', deliveryId: key, route: '/', status: 404, outcome: 'no-workflow', reason: 'e2e', at: new Date(), request: '{}' }), stack().namespace);
  let fn: { rest: KubeRest; kubeConfig: KubeConfig };

  beforeAll(async () => {
    fn = await asFunction('pr-opened');
  });

  it('lets the production store record and replace its own dead letter', async () => {
    const store = createSecretDeadLetterStore({ namespace: stack().namespace, kubeConfig: fn.kubeConfig });
    const key = randomUUID();
    const letter = toDeadLetter({ key, function: 'pr-opened', deliveryId: key, route: '/', status: 404, outcome: 'no-workflow', reason: 'first', at: new Date(), request: '{}' });
    await store.record(letter);
    await store.record({ ...letter, reason: 'second' });
    const stored = await kube().call<{ data: Record<string, string> }>('GET', secretsPath(letter.id));
    expect(Buffer.from(stored.body.data.reason!, 'base64').toString()).toBe('second');
  });

  const denied: [string, () => Promise<{ status: number; body: { message?: string } }>][] = [
    ['a plain Secret', () => fn.rest.call('POST', secretsPath(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: `e2e-plain-${randomUUID().slice(0, 8)}` }, stringData: { a: 'b' } })],
    ['a dead letter of another function', () => {
      const body = own(randomUUID());
      const other = { ...body, metadata: { ...body.metadata, name: body.metadata.name.replace('handoff-dl-pr-opened-', 'handoff-dl-rex-push-'), labels: { ...body.metadata.labels, 'handoff.dev/function': 'rex-push' } } };
      return fn.rest.call('POST', secretsPath(), other);
    }],
    ['its dead letter without the type', () => fn.rest.call('POST', secretsPath(), { ...own(randomUUID()), type: 'Opaque' })],
    ['its dead letter without the dead-letter label', () => {
      const body = own(randomUUID());
      return fn.rest.call('POST', secretsPath(), { ...body, metadata: { ...body.metadata, labels: { 'handoff.dev/function': 'pr-opened' } } });
    }],
    ['the trigger token Secret (replace)', () => fn.rest.call('PUT', secretsPath('handoff-trigger-token'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'handoff-trigger-token' }, stringData: { authorization: 'Bearer stolen' } })],
  ];

  it.each(denied)('denies a function identity writing %s', async (_what, write) => {
    const res = await write();
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.message).toMatch(new RegExp(`may (write|replace) only its own dead letters.*${deadLetterPolicyName(stack())}`));
  });
});
