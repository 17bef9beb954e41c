/**
 * The whole function — app, handler, real Kubernetes client — against the fake
 * Kubernetes API: concurrent and redelivered duplicates cause exactly one transition.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PR_OPENED, REX_PUSH } from '../../shared/declarations';
import type { FunctionDeclaration } from '../../shared/function-declaration';
import { createKubernetesClients, recordedDedupKeys } from '../../shared/kubernetes/client';
import type { Workflow } from '../../shared/kubernetes/workflow';
import { FakeKubeApi } from '../fakes/fake-kube-api';
import { pullRequestEvent, pushEvent, sensorEnvelope } from '../fixtures/github-events';
import { playWorkflow } from '../fixtures/workflows';
import { FakePullRequests } from '../fakes/fake-clients';
import nock from 'nock';
import { createGitHubClient } from '../../shared/github/client';
import type { PullRequests } from '../../shared/github/types';
import { testApp } from '../support/test-app';

let api: FakeKubeApi;
beforeEach(async () => {
  api = await FakeKubeApi.start();
});
afterEach(() => api.close());

function functionApp<P extends PullRequests = FakePullRequests>(declaration: FunctionDeclaration, pullRequests: P = new FakePullRequests() as unknown as P) {
  const kubernetes = createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig(), conflictBackoff: { steps: 8, initialMs: 1, factor: 2 } });
  const { post: send } = testApp({ declaration, workflows: kubernetes.workflows, codeRuns: kubernetes.codeRuns, pullRequests, recordedKeys: recordedDedupKeys, bodyLimitBytes: 1 << 20 });
  const post = async (body: unknown) => {
    const response = await send(body);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return { post, pullRequests };
}

const suspend = (name: string, displayName: string) =>
  Object.values((api.get(name) as unknown as Workflow).status?.nodes ?? {}).filter((node) => node.displayName === displayName);

describe('pr-opened end to end against the fake API', () => {
  it('ten concurrent copies of one delivery: exactly one transition, nine duplicates', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    const otherVersion = api.put(playWorkflow({ name: 'play-8', task: '8' })).metadata.resourceVersion;
    const { post } = functionApp(PR_OPENED);
    const event = sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 7 }), 'delivery-7');
    const results = await Promise.all(Array.from({ length: 10 }, () => post(event)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(results.filter((r) => r.body.outcome === 'resumed')).toHaveLength(1);
    expect(results.filter((r) => r.body.outcome === 'duplicate')).toHaveLength(9);
    expect(suspend('play-7', 'wait-pr-created')[0]?.phase).toBe('Succeeded');
    expect(api.get('play-7')?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    // The other task is untouched.
    expect(api.get('play-8')?.metadata.resourceVersion).toBe(otherVersion);
    expect(suspend('play-8', 'wait-pr-created')[0]?.phase).toBe('Running');
  });

  it('one event costs the apiserver a list and a PUT: the resume plans from the listed object, without a GET', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    const { post } = functionApp(PR_OPENED);
    expect((await post(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 7 }), 'd-list'))).body.outcome).toBe('resumed');
    expect(api.requests.map((r) => `${r.method} ${r.labelSelector ?? r.path} ${r.status}`)).toEqual([
      'GET workflow-type=play-orchestration,task-id=7 200',
      'PUT /apis/argoproj.io/v1alpha1/namespaces/argo/workflows/play-7 200',
    ]);
  });

  it('a GitHub redelivery with the same delivery ID, later, is a duplicate; a new delivery is already-done', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    const { post } = functionApp(PR_OPENED);
    const payload = pullRequestEvent('opened', { task: 7 });
    expect((await post(sensorEnvelope('pull_request', payload, 'd-1'))).body.outcome).toBe('resumed');
    const version = api.get('play-7')?.metadata.resourceVersion;
    expect((await post(sensorEnvelope('pull_request', payload, 'd-1'))).body.outcome).toBe('duplicate');
    expect((await post(sensorEnvelope('pull_request', payload, 'd-2'))).body).toMatchObject({ outcome: 'already-done' });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
  });

  it('an event before its suspend node is 503, and succeeds once the node is active', async () => {
    api.put(playWorkflow({ name: 'play-9', task: '9', position: 'wait-pr-created', stage: 'waiting-pr-created' }));
    const workflow = api.get('play-9') as unknown as Workflow;
    for (const node of Object.values(workflow.status?.nodes ?? {})) if (node.displayName === 'wait-pr-created') node.phase = 'Pending';
    api.put(workflow as never);
    const { post } = functionApp(PR_OPENED);
    const event = sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 9 }), 'd-9');
    expect(await post(event)).toMatchObject({ status: 503, body: { outcome: 'not-ready' } });
    for (const node of Object.values(workflow.status?.nodes ?? {})) if (node.displayName === 'wait-pr-created') node.phase = 'Running';
    api.put(workflow as never);
    expect(await post(event)).toMatchObject({ status: 200, body: { outcome: 'resumed' } });
  });
});

describe('rex-push end to end against the fake API', () => {
  it('deletes Cleo\'s CodeRun, removes the label, resets the stage and restarts QA; a second copy is a duplicate', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'wait-ready-for-qa' }));
    api.put({ apiVersion: 'agents.platform/v1', kind: 'CodeRun', metadata: { name: 'cleo-7', labels: { 'task-id': '7', 'github-app': '5DLabs-Cleo', 'workflow-name': 'play-7' } } }, 'coderuns', 'agents.platform');
    const { post, pullRequests } = functionApp(REX_PUSH);
    const event = sensorEnvelope('push', pushEvent({ task: 7, after: 'c'.repeat(40) }), 'push-1');
    const first = await post(event);
    expect(first).toMatchObject({ status: 200, body: { outcome: 'remediated', steps: { decision: 'gate', codeRuns: [{ name: 'cleo-7', result: 'deleted' }], labels: [{ result: 'removed' }] } } });
    expect(api.get('cleo-7', 'coderuns', 'agents.platform')).toBeUndefined();
    expect(api.get('play-7')?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    expect(suspend('play-7', 'wait-ready-for-qa')[0]?.outputs?.parameters).toEqual([{ name: 'decision', value: 'restart' }]);
    expect(pullRequests.removals).toHaveLength(1);

    const again = await post(sensorEnvelope('push', pushEvent({ task: 7, after: 'c'.repeat(40) }), 'push-1-redelivered-as-new'));
    expect(again.body.outcome).toBe('duplicate');
    expect(pullRequests.removals).toHaveLength(1);
  });
});

describe('rex-push with the real GitHub client (nock) against the fake API', () => {
  const GITHUB = 'https://api.github.com';
  const pull = (number: number, labels: string[]) => ({
    number,
    state: 'open',
    head: { ref: 'task-7-implementation', label: 'Codertocat:task-7-implementation' },
    labels: labels.map((name, id) => ({ id, name })),
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('removes ready-for-qa from every open PR of the branch, across pages; a label already gone counts as done', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1'); // the fake Kubernetes API
    const query = { head: 'Codertocat:task-7-implementation', state: 'open', per_page: '100' };
    const page2 = `${GITHUB}/repositories/1/pulls?head=Codertocat%3Atask-7-implementation&state=open&per_page=100&page=2`;
    const github = nock(GITHUB)
      .get('/repos/Codertocat/Hello-World/pulls')
      .query(query)
      .reply(200, [pull(12, ['task-7', 'ready-for-qa']), pull(20, ['task-7'])], { link: `<${page2}>; rel="next"` })
      .get('/repositories/1/pulls')
      .query({ ...query, page: '2' })
      .reply(200, [pull(140, ['ready-for-qa'])])
      .delete('/repos/Codertocat/Hello-World/issues/12/labels/ready-for-qa')
      .reply(200, [])
      // Removed by someone else between the listing and the call.
      .delete('/repos/Codertocat/Hello-World/issues/140/labels/ready-for-qa')
      .reply(404, { message: 'Label does not exist' });
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'wait-ready-for-qa' }));
    const client = createGitHubClient({ token: 't', baseUrl: GITHUB, retries: 0, delayUnitMs: 1, throttleId: 'integration-rex-push' });
    const { post } = functionApp(REX_PUSH, client);

    const response = await post(sensorEnvelope('push', pushEvent({ task: 7, after: 'd'.repeat(40) }), 'push-pages'));
    expect(response).toMatchObject({ status: 200, body: { outcome: 'remediated' } });
    expect(response.body.steps.labels).toEqual([
      { pullRequest: 12, result: 'removed' },
      { pullRequest: 20, result: 'absent' },
      { pullRequest: 140, result: 'absent' },
    ]);
    expect(github.pendingMocks()).toEqual([]);
    expect(api.get('play-7')?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
  });
});
