/**
 * Early events are parked on their workflow (200, so the Sensor is not held up) and re-driven
 * through POST /parked once the play waits for them — the whole function against the fake API.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PR_OPENED, REX_PUSH } from '../../shared/declarations';
import type { FunctionDeclaration } from '../../shared/function-declaration';
import { createKubernetesClients, recordedDedupKeys } from '../../shared/kubernetes/client';
import { type Workflow } from '../../shared/kubernetes/workflow';
import { FakeKubeApi } from '../fakes/fake-kube-api';
import { pullRequestEvent, sensorEnvelope } from '../fixtures/github-events';
import { playWorkflow } from '../fixtures/workflows';
import { FakePullRequests } from '../fakes/fake-clients';
import { testApp } from '../support/test-app';
import { PARKED_ANNOTATION } from '../../shared/contract';

let api: FakeKubeApi;
beforeEach(async () => {
  api = await FakeKubeApi.start();
});
afterEach(() => api.close());

function functionApp(declaration: FunctionDeclaration) {
  const kubernetes = createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig() });
  /** The function's log, one parsed JSON line each. */
  const logged: Record<string, unknown>[] = [];
  const logger = pino({ base: { function: declaration.name } }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  const app = testApp({ declaration, workflows: kubernetes.workflows, codeRuns: kubernetes.codeRuns, pullRequests: new FakePullRequests(), recordedKeys: recordedDedupKeys, logger });
  const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, any> });
  return { raw: app, logged, post: async (body: unknown) => json(await app.post(body)), parked: async (body: unknown, headers?: Record<string, string>) => json(await app.postParked(body, headers)) };
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

describe('the periodic sweep of parked events (POST /parked/sweep)', () => {
  it('re-drives exactly the waiting plays with an event of this function parked, and nothing else', async () => {
    const { post, raw, logged } = functionApp(PR_OPENED);
    const sweep = async (headers: Record<string, string> = { authorization: 'Bearer t' }) => {
      const response = await raw.app.request('/parked/sweep', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', ...headers } });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    // play-7: parked, then it reached the gate with no re-drive (the update was lost). play-8: parked, not there yet.
    api.put(playWorkflow({ name: 'play-7', task: '7', stage: 'implementation-in-progress' }));
    api.put(playWorkflow({ name: 'play-8', task: '8', stage: 'implementation-in-progress' }));
    api.put(playWorkflow({ name: 'play-9', task: '9' })); // waiting, nothing parked
    expect(await post(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 7 }), 'early-7'))).toMatchObject({ body: { outcome: 'parked' } });
    expect(await post(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 8 }), 'early-8'))).toMatchObject({ body: { outcome: 'parked' } });
    const atGate = playWorkflow({ name: 'play-7', task: '7' });
    atGate.metadata.annotations = api.get('play-7')?.metadata.annotations as Record<string, string> | undefined;
    api.put(atGate);
    const untouched = ['play-8', 'play-9'].map((name) => api.get(name)?.metadata.resourceVersion);

    const first = await sweep();
    expect(first).toMatchObject({ status: 200, body: { outcome: 'swept' } });
    expect(first.body.steps).toEqual({ 'play-7': 'resumed' }); // play-9 has nothing parked, play-8 is not waiting
    // The re-drive is logged as its own event, with the delivery it applied, before the sweep's summary line.
    const events = logged.filter((line) => line.msg === 'event').slice(-2);
    expect(events).toEqual([
      expect.objectContaining({ event: 'parked', route: '/parked/sweep', workflow: 'play-7', deliveryId: 'early-7', outcome: 'resumed', status: 200 }),
      expect.objectContaining({ event: 'parked-sweep', outcome: 'swept', status: 200 }),
    ]);
    expect(gate('play-7')).toMatchObject({ phase: 'Succeeded', message: 'Resumed by: handoff/pr-opened (parked early-7)' });
    expect(['play-8', 'play-9'].map((name) => api.get(name)?.metadata.resourceVersion)).toEqual(untouched);
    expect((await sweep()).body.steps).toEqual({}); // nothing left
    expect(api.requests.filter((r) => r.method === 'GET' && r.labelSelector).at(-1)?.labelSelector).toBe('workflow-type=play-orchestration,current-stage in (waiting-pr-created)');

    expect(await sweep({ authorization: 'Bearer wrong' })).toMatchObject({ status: 401 });
    api.failNext(1, 503);
    expect(await sweep()).toMatchObject({ status: 503, body: { outcome: 'not-ready' } });
  });
});
