/**
 * Early events are parked on their workflow (200, so the Sensor is not held up) and re-driven
 * through POST /parked once the play waits for them — the whole function against the fake API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PR_OPENED, REX_PUSH, type FunctionDeclaration } from '../../shared/declarations';
import { createKubernetesClients, recordedDedupKeys } from '../../shared/kubernetes/client';
import { PARKED_ANNOTATION, type Workflow } from '../../shared/kubernetes/workflow';
import { FakeKubeApi } from '../fakes/fake-kube-api';
import { pullRequestEvent, sensorEnvelope } from '../fixtures/github-events';
import { playWorkflow } from '../fixtures/workflows';
import { FakePullRequests } from '../support/fake-clients';
import { testApp } from '../support/test-app';

let api: FakeKubeApi;
beforeEach(async () => {
  api = await FakeKubeApi.start();
});
afterEach(() => api.close());

function functionApp(declaration: FunctionDeclaration) {
  const kubernetes = createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig() });
  const app = testApp({ declaration, workflows: kubernetes.workflows, codeRuns: kubernetes.codeRuns, pullRequests: new FakePullRequests(), recordedKeys: recordedDedupKeys });
  const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, any> });
  return { raw: app, post: async (body: unknown) => json(await app.post(body)), parked: async (body: unknown, headers?: Record<string, string>) => json(await app.postParked(body, headers)) };
}

const gate = (name: string) => Object.values((api.get(name) as unknown as Workflow).status?.nodes ?? {}).find((node) => node.displayName === 'wait-pr-created');

describe('parked early events', () => {
  it('a pull_request.opened while Rex works is parked at once, then resumed by the re-drive when the play waits for it', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', stage: 'implementation-in-progress' }));
    const { post, parked } = functionApp(PR_OPENED);
    const opened = sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 7 }), 'early-1');

    expect(await post(opened)).toMatchObject({ status: 200, body: { outcome: 'parked', workflow: 'play-7', reason: expect.stringMatching(/parked and resumes wait-pr-created/) } });
    expect(JSON.parse((api.get('play-7')?.metadata.annotations as Record<string, string> | undefined)?.[PARKED_ANNOTATION] ?? '')).toMatchObject({ 'pr-opened': { keys: ['early-1'] } });
    expect(await post(opened)).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
    expect(await parked({ workflow: 'play-7' })).toMatchObject({ status: 503, body: { outcome: 'not-ready' } }); // still implementation-in-progress

    // The play reaches the gate (the template's stage step), then the Sensor re-drives.
    const atGate = playWorkflow({ name: 'play-7', task: '7' });
    atGate.metadata.annotations = api.get('play-7')?.metadata.annotations as Record<string, string> | undefined;
    api.put(atGate);
    expect(await parked({ workflow: 'play-7' })).toMatchObject({ status: 200, body: { outcome: 'resumed', deliveryId: 'early-1', workflow: 'play-7' } });
    expect(gate('play-7')).toMatchObject({ phase: 'Succeeded', message: 'Resumed by: handoff/pr-opened (parked early-1)' });
    expect(api.get('play-7')?.metadata.labels?.['current-stage']).toBe('quality-in-progress');
    expect(api.get('play-7')?.metadata.annotations).not.toHaveProperty(PARKED_ANNOTATION);
    const version = api.get('play-7')?.metadata.resourceVersion;
    expect(await parked({ workflow: 'play-7' })).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(await parked({ workflow: 'play-gone' })).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
  });

  it('bad re-drive requests get a clear 4xx and write nothing; rex-push has no re-drive route', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7' }));
    const version = api.get('play-7')?.metadata.resourceVersion;
    const { parked } = functionApp(PR_OPENED);
    expect(await parked('{not json')).toMatchObject({ status: 400, body: { outcome: 'bad-request', reason: 'the body is not JSON' } });
    expect(await parked({ workflow: 'Play 7' })).toMatchObject({ status: 400, body: { reason: expect.stringMatching(/Kubernetes object name/) } });
    expect(await parked({ name: 'play-7' })).toMatchObject({ status: 400 });
    expect(await parked({ workflow: 'play-7' }, { authorization: 'Bearer wrong' })).toMatchObject({ status: 401 });
    expect(api.get('play-7')?.metadata.resourceVersion).toBe(version);
    expect((await functionApp(REX_PUSH).raw.postParked({ workflow: 'play-7' })).status).toBe(404);
  });
});
