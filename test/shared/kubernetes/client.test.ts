import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABELED_READY_FOR_QA, PR_OPENED } from '../../../shared/declarations';
import { createKubernetesClients, recordedDedupKeys } from '../../../shared/kubernetes/client';
import { KubernetesUnavailableError, type ResumeRequest } from '../../../shared/kubernetes/types';
import type { NodeStatus, Workflow } from '../../../shared/kubernetes/workflow';
import { KubeConfig } from '../../../shared/kubernetes/client-node';
import { KeepAliveKubeConfig } from '../../../shared/kubernetes/keep-alive-kube-config';
import { FakeKubeApi } from '../../fakes/fake-kube-api';
import { huge, playWorkflow } from '../../fixtures/workflows';

const NAME = 'play-orchestration-7xk2p';
const resumeRequest = (extra: Partial<ResumeRequest> = {}): ResumeRequest => ({
  name: NAME,
  actor: PR_OPENED.name,
  suspendNodes: PR_OPENED.suspendNodes,
  fromStages: PR_OPENED.fromStages,
  nextStage: PR_OPENED.nextStage,
  dedupKeys: ['delivery-1'],
  ...extra,
});
/** Each suite runs over upstream's KubeConfig (client-node's node-fetch transport) and over the one the functions use (NodeHttpLibrary). */
const TRANSPORTS = [
  { name: 'upstream KubeConfig', kubeConfig: (): KubeConfig => new KubeConfig() },
  { name: 'KeepAliveKubeConfig with NodeHttpLibrary', kubeConfig: (): KubeConfig => new KeepAliveKubeConfig() },
];

const nodeNamed = (workflow: unknown, displayName: string) =>
  Object.values((workflow as Workflow).status?.nodes ?? {}).filter((node) => node.displayName === displayName);

describe.each(TRANSPORTS)('createKubernetesClients against a fake API, $name', ({ kubeConfig }) => {
  let api: FakeKubeApi;
  let conflicts: number;
  let clients: ReturnType<typeof createKubernetesClients>;

  beforeEach(async () => {
    api = await FakeKubeApi.start();
    conflicts = 0;
    clients = createKubernetesClients({
      namespace: 'argo',
      kubeConfig: api.kubeConfig(kubeConfig()),
      onConflict: () => (conflicts += 1),
      conflictBackoff: { steps: 5, initialMs: 1, factor: 2 },
    });
    api.put(playWorkflow({ name: NAME, position: 'wait-pr-created' }));
  });
  afterEach(() => api.close());

  it('lists the task\'s play workflows by label, completed ones included', async () => {
    api.put(playWorkflow({ name: 'done', position: 'completed' }));
    api.put(playWorkflow({ name: 'other-task', task: '8' }));
    const list = await clients.workflows.listForTask('7');
    expect(list.map((w) => w.name).sort()).toEqual(['done', NAME]);
    expect(api.requests.at(-1)?.labelSelector).toBe('workflow-type=play-orchestration,task-id=7');
  });

  /** Each request as `list`, `GET`, `PUT` or `PUT 409`: what the resume cost on the wire. */
  const calls = () => api.requests.map((r) => (r.labelSelector !== undefined ? 'list' : `${r.method}${r.status === 409 ? ' 409' : ''}`));

  it('resumes from the listed object in list + PUT, with no GET, when nothing changed in between', async () => {
    const [listed] = await clients.workflows.listForTask('7');
    const version = api.get(NAME)?.metadata.resourceVersion;
    expect(listed?.listed?.metadata.resourceVersion).toBe(version);
    const result = await clients.workflows.resume(resumeRequest({ listed: listed?.listed }));
    expect(result).toMatchObject({ outcome: 'resumed', attempts: 1, toStage: 'quality-in-progress' });
    expect(calls()).toEqual(['list', 'PUT']);
    expect(conflicts).toBe(0);
    expect(api.get(NAME)?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
  });

  it('resumes from the listed object in list + PUT 409 + GET + PUT when the workflow changed after the list, keeping that change', async () => {
    const [listed] = await clients.workflows.listForTask('7');
    // The controller writes between our list and our PUT.
    const stored = api.get(NAME)!;
    api.put({ ...stored, metadata: { ...stored.metadata, annotations: { ...(stored.metadata.annotations as object), controller: 'was-here' } } });
    const result = await clients.workflows.resume(resumeRequest({ listed: listed?.listed }));
    expect(result).toMatchObject({ outcome: 'resumed', attempts: 2 });
    expect(calls()).toEqual(['list', 'PUT 409', 'GET', 'PUT']);
    expect(conflicts).toBe(1);
    const after = api.get(NAME);
    expect((after?.metadata.annotations as Record<string, string>).controller).toBe('was-here');
    expect(after?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
  });

  it('answers no-workflow when the listed workflow was deleted before the PUT (404), and plans a dry run from the listed object', async () => {
    const [listed] = await clients.workflows.listForTask('7');
    const dry = await clients.workflows.resume(resumeRequest({ listed: listed?.listed, dryRun: true }));
    expect(dry).toMatchObject({ outcome: 'resumed', planned: { resourceVersion: listed?.listed?.metadata.resourceVersion } });
    expect(calls()).toEqual(['list']);

    const gone = await FakeKubeApi.start();
    try {
      // Same listed object, but the workflow is not there any more.
      const elsewhere = createKubernetesClients({ namespace: 'argo', kubeConfig: gone.kubeConfig(kubeConfig()) });
      expect(await elsewhere.workflows.resume(resumeRequest({ listed: listed?.listed }))).toMatchObject({ outcome: 'no-workflow', reason: `${NAME} was deleted`, attempts: 1 });
      expect(gone.requests.map((r) => r.method)).toEqual(['PUT']);
    } finally {
      await gone.close();
    }
  });

  it('without a listed object, resumes in one GET and one PUT carrying the resourceVersion read', async () => {
    const result = await clients.workflows.resume(resumeRequest());
    expect(result).toMatchObject({ outcome: 'resumed', attempts: 1, fromStage: 'waiting-pr-created', toStage: 'quality-in-progress' });
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'PUT']);
    const stored = api.get(NAME);
    expect(stored?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    expect(nodeNamed(stored, 'wait-pr-created')[0]?.phase).toBe('Succeeded');
    expect(recordedDedupKeys({ name: NAME, namespace: 'argo', labels: {}, annotations: stored?.metadata.annotations as Record<string, string> })).toEqual(['delivery-1']);
  });

  it('retries a 409 from the GET and lands on the newest object', async () => {
    let raced = 0;
    api.beforeUpdate = (stored) => {
      if (raced++ > 0) return;
      // The controller writes between our GET and PUT.
      api.put({ ...stored, metadata: { ...stored.metadata, annotations: { ...(stored.metadata.annotations as object), controller: 'was-here' } } });
    };
    const result = await clients.workflows.resume(resumeRequest());
    expect(result).toMatchObject({ outcome: 'resumed', attempts: 2 });
    expect(conflicts).toBe(1);
    const stored = api.get(NAME);
    expect((stored?.metadata.annotations as Record<string, string>).controller).toBe('was-here');
    expect(stored?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
  });

  it('gives up after bounded conflicts with a retryable error', async () => {
    api.beforeUpdate = (stored) => void api.put(stored);
    await expect(clients.workflows.resume(resumeRequest())).rejects.toBeInstanceOf(KubernetesUnavailableError);
    expect(conflicts).toBe(5);
  });

  it('applies concurrent duplicate deliveries exactly once', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => clients.workflows.resume(resumeRequest())));
    const outcomes = results.map((r) => r.outcome).sort();
    expect(outcomes.filter((o) => o === 'resumed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
    expect(api.writes().length - conflicts).toBe(1);
  });

  it('answers no-workflow for a workflow that is gone', async () => {
    expect(await clients.workflows.resume(resumeRequest({ name: 'gone' }))).toMatchObject({ outcome: 'no-workflow' });
  });

  it('turns 5xx, 429 and dropped connections into KubernetesUnavailableError, and writes nothing', async () => {
    for (const status of [503, 500, 429, 0]) {
      api.failNext(1, status);
      await expect(clients.workflows.resume(resumeRequest())).rejects.toBeInstanceOf(KubernetesUnavailableError);
    }
    api.failNext(1, 503);
    await expect(clients.workflows.listForTask('7')).rejects.toBeInstanceOf(KubernetesUnavailableError);
    expect(api.writes()).toEqual([]);
  });

  it('dry run reads and plans but never writes', async () => {
    const result = await clients.workflows.resume(resumeRequest({ dryRun: true }));
    expect(result).toMatchObject({
      outcome: 'resumed',
      planned: {
        put: NAME,
        stage: 'waiting-pr-created → quality-in-progress',
        node: { displayName: 'wait-pr-created' },
        annotations: { 'handoff.dev/applied-events': '["delivery-1"]' },
        compressedNodes: false,
      },
    });
    expect(api.writes()).toEqual([]);
    expect(api.get(NAME)?.metadata.labels?.['current-stage']).toBe('waiting-pr-created');
  });

  it('writes an oversized workflow with compressed nodes, and the next resume reads them back', async () => {
    api.put(huge(playWorkflow({ name: NAME, position: 'wait-pr-created' }), 1_200_000));
    expect(await clients.workflows.resume(resumeRequest())).toMatchObject({ outcome: 'resumed' });
    const stored = api.get(NAME) as unknown as Workflow;
    expect(stored.status?.nodes).toBeUndefined();
    expect(stored.status?.compressedNodes).toBeTruthy();

    stored.metadata.labels!['current-stage'] = 'waiting-ready-for-qa';
    const nodes = JSON.parse(gunzipSync(Buffer.from(stored.status!.compressedNodes!, 'base64')).toString()) as Record<string, NodeStatus>;
    expect(Object.values(nodes).filter((node) => node.displayName === 'wait-pr-created').map((node) => node.phase)).toEqual(['Succeeded']);
    const template = Object.values(nodes).find((node) => node.displayName === 'wait-pr-created') as NodeStatus;
    nodes[`${template.id}-qa`] = { ...structuredClone(template), id: `${template.id}-qa`, name: `${template.name}-qa`, displayName: 'wait-ready-for-qa', phase: 'Running', finishedAt: undefined, message: undefined };
    stored.status!.compressedNodes = gzipSync(Buffer.from(JSON.stringify(nodes))).toString('base64');
    api.put(stored);

    const qa = await clients.workflows.resume(
      resumeRequest({ actor: LABELED_READY_FOR_QA.name, suspendNodes: LABELED_READY_FOR_QA.suspendNodes, fromStages: LABELED_READY_FOR_QA.fromStages, nextStage: LABELED_READY_FOR_QA.nextStage, dedupKeys: ['delivery-2'] }),
    );
    expect(qa).toMatchObject({ outcome: 'resumed', node: { id: `${template.id}-qa` } });
    expect(recordedDedupKeys({ name: NAME, namespace: 'argo', labels: {}, annotations: api.get(NAME)?.metadata.annotations as Record<string, string> })).toEqual(['delivery-1', 'delivery-2']);
  });

  it('answers not-ready for an event that arrives before its stage', async () => {
    const result = await clients.workflows.resume(
      resumeRequest({ suspendNodes: LABELED_READY_FOR_QA.suspendNodes, fromStages: LABELED_READY_FOR_QA.fromStages, nextStage: LABELED_READY_FOR_QA.nextStage }),
    );
    expect(result).toMatchObject({ outcome: 'not-ready' });
    expect(api.writes()).toEqual([]);
  });
});

describe.each(TRANSPORTS)('CodeRun deletion, $name', ({ kubeConfig }) => {
  let api: FakeKubeApi;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
  });
  afterEach(() => api.close());

  const codeRun = (name: string, labels: Record<string, string>) => ({ apiVersion: 'agents.platform/v1', kind: 'CodeRun', metadata: { name, namespace: 'argo', labels } });

  it('lists only the task\'s Cleo and Tess CodeRuns of this workflow (or of no workflow), with uid and phase; deletes exactly those', async () => {
    const put = (name: string, labels: Record<string, string>) => api.put(codeRun(name, labels), 'coderuns', 'agents.platform');
    put('cleo-mine', { 'task-id': '7', 'github-app': '5DLabs-Cleo', 'workflow-name': 'wf' });
    put('tess-unowned', { 'task-id': '7', 'github-app': '5DLabs-Tess' });
    put('cleo-other-wf', { 'task-id': '7', 'github-app': '5DLabs-Cleo', 'workflow-name': 'other' });
    put('rex-mine', { 'task-id': '7', 'github-app': '5DLabs-Rex', 'workflow-name': 'wf' });
    put('cleo-other-task', { 'task-id': '8', 'github-app': '5DLabs-Cleo', 'workflow-name': 'wf' });
    const { codeRuns } = createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig(kubeConfig()) });

    const listed = await codeRuns.listForWorkflow({ taskId: '7', workflowName: 'wf', githubApps: ['5DLabs-Cleo', '5DLabs-Tess'] });
    expect(api.requests[0]?.labelSelector).toBe('task-id=7,github-app in (5DLabs-Cleo,5DLabs-Tess)');
    expect(listed.map((run) => [run.name, run.uid, run.githubApp]).sort()).toEqual([
      ['cleo-mine', api.get('cleo-mine', 'coderuns', 'agents.platform')?.metadata.uid, '5DLabs-Cleo'],
      ['tess-unowned', api.get('tess-unowned', 'coderuns', 'agents.platform')?.metadata.uid, '5DLabs-Tess'],
    ]);
    const result = await codeRuns.delete(listed);
    expect(result.map((r) => [r.name, r.result]).sort()).toEqual([
      ['cleo-mine', 'deleted'],
      ['tess-unowned', 'deleted'],
    ]);
    expect(api.get('cleo-other-wf', 'coderuns', 'agents.platform')).toBeDefined();
    expect(api.get('rex-mine', 'coderuns', 'agents.platform')).toBeDefined();
    expect(api.get('cleo-other-task', 'coderuns', 'agents.platform')).toBeDefined();
  });

  it('counts a CodeRun deleted concurrently, or replaced by a newer one of the same name, as already gone; plans without deleting in dry run', async () => {
    api.put(codeRun('cleo-1', { 'task-id': '7', 'github-app': '5DLabs-Cleo' }), 'coderuns', 'agents.platform');
    const { codeRuns } = createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig(kubeConfig()) });
    const listed = await codeRuns.listForWorkflow({ taskId: '7', workflowName: 'wf', githubApps: ['5DLabs-Cleo'] });
    expect(await codeRuns.delete(listed, true)).toEqual([{ name: 'cleo-1', githubApp: '5DLabs-Cleo', result: 'planned' }]);
    expect(api.writes()).toEqual([]);

    // A newer CodeRun took the name: the uid precondition keeps it.
    const newer = api.put({ ...codeRun('cleo-1', { 'task-id': '7', 'github-app': '5DLabs-Cleo' }), metadata: { ...codeRun('cleo-1', { 'task-id': '7', 'github-app': '5DLabs-Cleo' }).metadata, uid: 'newer' } }, 'coderuns', 'agents.platform');
    expect(await codeRuns.delete(listed)).toEqual([{ name: 'cleo-1', githubApp: '5DLabs-Cleo', result: 'already-gone' }]);
    expect(api.get('cleo-1', 'coderuns', 'agents.platform')?.metadata.uid).toBe(newer.metadata.uid);

    const current = await codeRuns.listForWorkflow({ taskId: '7', workflowName: 'wf', githubApps: ['5DLabs-Cleo'] });
    const [a, b] = await Promise.all([codeRuns.delete(current), codeRuns.delete(current)]);
    expect([...(a ?? []), ...(b ?? [])].map((r) => r.result).sort()).toEqual(['already-gone', 'deleted']);
  });
});
