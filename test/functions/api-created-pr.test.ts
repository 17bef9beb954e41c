/**
 * A PR created through the API: `pull_request.opened` says `labels: []` and `task-N` is added a
 * moment later (`labeled`). pr-opened acts on both, reading the labels live when the opened payload
 * has none; whichever order the two events arrive in, the gate is resumed exactly once.
 * Real @octokit/webhooks-examples payloads, the real GitHub client against nock, the fake Kubernetes API.
 */
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PR_OPENED } from '../../shared/declarations';
import { createGitHubClient } from '../../shared/github/client';
import { createKubernetesClients, recordedDedupKeys } from '../../shared/kubernetes/client';
import type { Workflow } from '../../shared/kubernetes/workflow';
import { FakeKubeApi } from '../fakes/fake-kube-api';
import { labeledEvent, pullRequestEvent, sensorEnvelope } from '../fixtures/github-events';
import { playWorkflow } from '../fixtures/workflows';
import { FakeCodeRuns } from '../fakes/fake-clients';
import { testApp } from '../support/test-app';

const GITHUB = 'https://api.github.com';
const LABELS_PATH = '/repos/Codertocat/Hello-World/issues/2/labels';

let api: FakeKubeApi;
let clients = 0;
beforeEach(async () => {
  api = await FakeKubeApi.start();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1'); // the fake Kubernetes API
});
afterEach(async () => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  await api.close();
  expect(pending, 'every mocked GitHub request was made').toEqual([]);
});

function prOpened() {
  const kubernetes = createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig(), conflictBackoff: { steps: 8, initialMs: 1, factor: 2 } });
  const pullRequests = createGitHubClient({ token: 't', baseUrl: GITHUB, retries: 0, delayUnitMs: 1, throttleId: `api-created-pr-${++clients}` });
  const { post: send, postParked } = testApp({ declaration: PR_OPENED, workflows: kubernetes.workflows, codeRuns: new FakeCodeRuns(), pullRequests, recordedKeys: recordedDedupKeys, bodyLimitBytes: 1 << 20 });
  const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, any> });
  return Object.assign(async (body: unknown) => answer(await send(body)), { redrive: async (workflow: string) => answer(await postParked({ workflow })) });
}

/** What GitHub reports once the creator has added the task label. */
const liveLabels = (...names: string[]) => names.map((name, id) => ({ id, name, color: 'ededed', default: false }));

const openedWithoutLabels = (delivery: string) => sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 7, labels: [] }), delivery);
const taskLabeled = (delivery: string, label = 'task-7') => sensorEnvelope('pull_request', labeledEvent(label, { task: 7, labels: [], sender: 'octocat' }), delivery);

const gate = () => Object.values((api.get('play-7') as unknown as Workflow).status?.nodes ?? {}).filter((node) => node.displayName === 'wait-pr-created');
const stage = () => api.get('play-7')?.metadata.labels?.['current-stage'];

describe('a PR created through the API (opened with no labels, task-N added after)', () => {
  it('the real opened payload of such a PR has no labels, and strict correlation needs the label', () => {
    expect(pullRequestEvent('opened', { task: 7, labels: [] }).pull_request.labels).toEqual([]);
    expect(labeledEvent('task-7', { task: 7, labels: [] }).pull_request.labels.map((l: { name: string }) => l.name)).toEqual(['task-7']);
  });

  it('opened (labels read live), then labeled: one resume, the second is already-done', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(200, liveLabels('task-7'));
    const post = prOpened();
    expect(await post(openedWithoutLabels('opened-1'))).toMatchObject({ status: 200, body: { outcome: 'resumed', workflow: 'play-7' } });
    expect(stage()).toBe('quality-in-progress');
    const version = api.get('play-7')?.metadata.resourceVersion;
    expect(await post(taskLabeled('labeled-1'))).toMatchObject({ status: 200, body: { outcome: 'already-done' } });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
    expect(gate().map((node) => node.phase)).toEqual(['Succeeded']);
  });

  it('labeled, then opened: one resume, the second is already-done', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(200, liveLabels('task-7'));
    const post = prOpened();
    expect(await post(taskLabeled('labeled-1'))).toMatchObject({ status: 200, body: { outcome: 'resumed' } });
    const version = api.get('play-7')?.metadata.resourceVersion;
    expect(await post(openedWithoutLabels('opened-1'))).toMatchObject({ status: 200, body: { outcome: 'already-done' } });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
    expect(stage()).toBe('quality-in-progress');
  });

  it('both at once: exactly one resume, the other already-done', async () => {
    for (let round = 0; round < 5; round++) {
      api.put(playWorkflow({ name: 'play-7', task: '7' }));
      nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(200, liveLabels('task-7'));
      const post = prOpened();
      const results = await Promise.all([post(openedWithoutLabels(`opened-${round}`)), post(taskLabeled(`labeled-${round}`))]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect(results.map((r) => r.body.outcome).sort()).toEqual(['already-done', 'resumed']);
      expect(gate().map((node) => node.phase)).toEqual(['Succeeded']);
      expect(stage()).toBe('quality-in-progress');
    }
  });

  it('a second task-N labeling after the gate resumed is already-done; another label is ignored; neither writes', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    const post = prOpened();
    expect((await post(taskLabeled('labeled-1'))).body.outcome).toBe('resumed');
    const version = api.get('play-7')?.metadata.resourceVersion;
    expect(await post(taskLabeled('labeled-2'))).toMatchObject({ status: 200, body: { outcome: 'already-done' } });
    expect(await post(taskLabeled('labeled-3', 'bug'))).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(await post(sensorEnvelope('pull_request', labeledEvent('ready-for-qa', { task: 7 }), 'labeled-4'))).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
  });

  it('labeled while Rex still works: parked, then one resume by the re-drive; the opened that follows is parked too, not resumed twice', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', stage: 'implementation-in-progress' }));
    nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(200, liveLabels('task-7'));
    const post = prOpened();
    expect((await post(taskLabeled('labeled-1'))).body.outcome).toBe('parked');
    expect((await post(openedWithoutLabels('opened-1'))).body.outcome).toBe('parked');
    expect(gate().every((node) => node.phase !== 'Succeeded')).toBe(true);
    // Rex's step ends: the stage step moves the label, the play-workflows Sensor re-drives.
    const workflow = api.get('play-7') as unknown as Workflow;
    workflow.metadata.labels = { ...workflow.metadata.labels, 'current-stage': 'waiting-pr-created' };
    api.put(workflow as never);
    expect(await post.redrive('play-7')).toMatchObject({ status: 200, body: { outcome: 'resumed' } });
    expect(await post.redrive('play-7')).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(gate().map((node) => node.phase)).toEqual(['Succeeded']);
    expect(stage()).toBe('quality-in-progress');
  });

  it('opened with no labels and GitHub unavailable: 503 (the Sensor retries), no write', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(502, { message: 'Server Error' });
    const version = api.get('play-7')?.metadata.resourceVersion;
    const post = prOpened();
    expect(await post(openedWithoutLabels('opened-1'))).toMatchObject({ status: 503, body: { outcome: 'not-ready', reason: expect.stringMatching(/GitHub/) } });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
  });

  it('opened with no labels for a PR GitHub does not have (404): 422 mismatch, no retry asked, no write', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(404, { message: 'Not Found' });
    const version = api.get('play-7')?.metadata.resourceVersion;
    expect(await prOpened()(openedWithoutLabels('opened-1'))).toMatchObject({
      status: 422,
      body: { outcome: 'mismatch', reason: expect.stringMatching(/no pull request #2 in Codertocat\/Hello-World \(404\)/) },
    });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
  });

  it('opened with no labels and GitHub refusing the token (401): 503, an operator fixes the credentials', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(401, { message: 'Bad credentials' });
    expect(await prOpened()(openedWithoutLabels('opened-1'))).toMatchObject({ status: 503, body: { outcome: 'not-ready', reason: expect.stringMatching(/refused the call \(401\)/) } });
  });

  it('opened with no labels and none on GitHub either: 422 mismatch as before (strict needs the label), no write', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    nock(GITHUB).get(LABELS_PATH).query({ per_page: '100' }).reply(200, liveLabels('documentation'));
    const version = api.get('play-7')?.metadata.resourceVersion;
    expect(await prOpened()(openedWithoutLabels('opened-1'))).toMatchObject({ status: 422, body: { outcome: 'mismatch', reason: expect.stringMatching(/no task-7 label/) } });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
  });

  it('reads nothing live when the payload has labels, the branch is not a task branch, or its task ID is too long', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    const post = prOpened();
    expect((await post(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 7 }), 'o-1'))).body.outcome).toBe('resumed');
    expect((await post(sensorEnvelope('pull_request', pullRequestEvent('opened', { branch: 'docs-typo', labels: [] }), 'o-2'))).body.outcome).toBe('ignored');
    // nock has no interceptor: a GitHub call would fail the test (net connect disabled, pendingMocks empty).
    const long = `task-${'9'.repeat(64)}-x`;
    expect(await post(sensorEnvelope('pull_request', pullRequestEvent('opened', { branch: long, labels: [] }), 'o-3'))).toMatchObject({ status: 422, body: { outcome: 'mismatch', reason: expect.stringMatching(/at most 63/) } });
  });
});
