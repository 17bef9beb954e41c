/**
 * rex-push against the fake Kubernetes API with the real client: redeliveries never delete what the
 * restarted QA created (issue 13 item 3), and the function's writes interleaved both ways with the
 * template's own stage step still end with QA restarted and the label saying so (item 4).
 * The "template" here is what the controller and the update-workflow-stage step would write: the
 * workflow moved to its next position (tests/fixtures/workflows.ts), annotations kept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REX_PUSH } from '../../shared/declarations';
import { GitHubUnavailableError } from '../../shared/github/types';
import { createKubernetesClients, recordedDedupKeys } from '../../shared/kubernetes/client';
import { type Workflow } from '../../shared/kubernetes/workflow';
import { FakeKubeApi } from '../fakes/fake-kube-api';
import { pushEvent, sensorEnvelope } from '../fixtures/github-events';
import { playWorkflow, type Position } from '../fixtures/workflows';
import { FakePullRequests } from '../fakes/fake-clients';
import { testApp } from '../support/test-app';

let api: FakeKubeApi;
beforeEach(async () => {
  api = await FakeKubeApi.start();
});
afterEach(() => api.close());

/** GitHub that fails the next `failures` label removals (503 for the function: the Sensor redelivers). */
class FlakyPullRequests extends FakePullRequests {
  failures = 0;
  override async removeLabel(owner: string, repo: string, issueNumber: number, label: string): Promise<'removed' | 'absent'> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new GitHubUnavailableError('GitHub answered 502 after retries');
    }
    return super.removeLabel(owner, repo, issueNumber, label);
  }
}

function rexPush(pullRequests = new FlakyPullRequests()) {
  const kubernetes = createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig(), conflictBackoff: { steps: 5, initialMs: 1, factor: 2 } });
  const { post: send } = testApp({ declaration: REX_PUSH, workflows: kubernetes.workflows, codeRuns: kubernetes.codeRuns, pullRequests, recordedKeys: recordedDedupKeys });
  const post = async (body: unknown) => {
    const response = await send(body);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return { post, pullRequests };
}

const CODERUNS = ['coderuns', 'agents.platform'] as const;
function putCodeRun(name: string, app: 'Cleo' | 'Tess', phase: string) {
  return api.put({ apiVersion: 'agents.platform/v1', kind: 'CodeRun', metadata: { name, labels: { 'task-id': '7', 'github-app': `5DLabs-${app}`, 'workflow-name': 'play-7' } }, status: { phase } } as never, ...CODERUNS);
}
const codeRunExists = (name: string) => api.get(name, ...CODERUNS) !== undefined;
const workflow = () => api.get('play-7') as unknown as Workflow;
const stage = () => workflow().metadata.labels?.['current-stage'];
const annotation = (key: string) => workflow().metadata.annotations?.[key];
const gate = (displayName: string) => Object.values(workflow().status?.nodes ?? {}).find((node) => node.displayName === displayName);

/** The controller and the template's stage step move the play on (annotations, which only Handoff writes, are kept). */
function templateMovesTo(position: Position, restarts = 0): void {
  const next = playWorkflow({ name: 'play-7', task: '7', position, restarts });
  next.metadata.annotations = { ...next.metadata.annotations, ...workflow().metadata.annotations };
  api.put(next as never);
}

const push = (after: string, delivery: string) => sensorEnvelope('push', pushEvent({ task: 7, after: after.repeat(40) }), delivery);

describe('a redelivered push deletes only what it recorded (item 3)', () => {
  it('Cleo cancelled, GitHub fails, QA restarts with a new Cleo CodeRun: the redelivery keeps it; a newer push cancels it', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'cleo-running' }) as never);
    putCodeRun('cleo-1', 'Cleo', 'Running');
    const { post, pullRequests } = rexPush();
    pullRequests.failures = 1;

    const first = await post(push('a', 'push-1'));
    expect(first).toMatchObject({ status: 503, body: { outcome: 'not-ready' } });
    expect(codeRunExists('cleo-1')).toBe(false);
    expect(stage()).toBe('quality-in-progress');
    const recorded = JSON.parse(annotation('handoff.dev/remediations') ?? '{}');
    expect(Object.keys(recorded)).toEqual([`sha:${'a'.repeat(40)}`]);
    expect(recorded[`sha:${'a'.repeat(40)}`].codeRuns.map((run: { name: string }) => run.name)).toEqual(['cleo-1']);

    // The template restarted QA: a new Cleo CodeRun, created after the push.
    putCodeRun('cleo-2', 'Cleo', 'Running');
    const redelivered = await post(push('a', 'push-1'));
    expect(redelivered).toMatchObject({ status: 200, body: { outcome: 'remediated', steps: { decision: 'cancel', codeRuns: [{ name: 'cleo-1', result: 'already-gone' }] } } });
    expect(codeRunExists('cleo-2')).toBe(true);
    expect(annotation('handoff.dev/remediations')).toBeUndefined();
    expect(JSON.parse(annotation('handoff.dev/applied-events') ?? '[]')).toEqual(['push-1', `sha:${'a'.repeat(40)}`]);
    expect(pullRequests.removals).toHaveLength(1);

    expect((await post(push('a', 'push-1'))).body.outcome).toBe('duplicate');
    expect(codeRunExists('cleo-2')).toBe(true);

    const newer = await post(push('b', 'push-2'));
    expect(newer).toMatchObject({ status: 200, body: { outcome: 'remediated', steps: { decision: 'cancel', codeRuns: [{ name: 'cleo-2', result: 'deleted' }] } } });
    expect(codeRunExists('cleo-2')).toBe(false);
  });

  it('a CodeRun that took a recorded name since is not the recorded one: the uid keeps it', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'tess-running' }) as never);
    putCodeRun('tess-1', 'Tess', 'Running');
    const { post, pullRequests } = rexPush();
    pullRequests.failures = 1;
    expect((await post(push('c', 'push-3'))).status).toBe(503);
    const replacement = putCodeRun('tess-1', 'Tess', 'Running');
    expect((await post(push('c', 'push-3'))).body).toMatchObject({ outcome: 'remediated', steps: { codeRuns: [{ name: 'tess-1', result: 'already-gone' }] } });
    expect(api.get('tess-1', ...CODERUNS)?.metadata.uid).toBe(replacement.metadata.uid);
  });
});

describe('rex-push and the template\'s stage step, interleaved (item 4)', () => {
  it('between steps (Tess finished, her stage step not yet run): 503 with no write at all; once the gate waits, QA restarts', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'tess-running' }) as never);
    putCodeRun('tess-1', 'Tess', 'Succeeded');
    const version = workflow().metadata.resourceVersion;
    const { post, pullRequests } = rexPush();

    expect(await post(push('d', 'push-4'))).toMatchObject({ status: 503, body: { outcome: 'not-ready', reason: expect.stringMatching(/between steps/) } });
    expect(workflow().metadata.resourceVersion).toBe(version);
    expect(codeRunExists('tess-1')).toBe(true);
    expect(pullRequests.removals).toEqual([]);

    templateMovesTo('wait-pr-approved');
    const retried = await post(push('d', 'push-4'));
    expect(retried.body).toMatchObject({ outcome: 'remediated', steps: { decision: 'gate', codeRuns: [{ name: 'tess-1', result: 'deleted' }] } });
    expect(stage()).toBe('quality-in-progress');
    expect(gate('wait-pr-approved')?.outputs?.parameters).toEqual([{ name: 'decision', value: 'restart' }]);
  });

  it('the template writes between the function\'s read and its record write: 409, decided again on what the template wrote (the gate): QA restarts', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'tess-running' }) as never);
    putCodeRun('tess-1', 'Tess', 'Running');
    let interleaved = false;
    api.beforeUpdate = () => {
      if (interleaved) return;
      interleaved = true;
      putCodeRun('tess-1', 'Tess', 'Succeeded');
      templateMovesTo('wait-pr-approved');
    };
    const { post } = rexPush();
    const response = await post(push('e', 'push-5'));
    expect(interleaved).toBe(true);
    expect(response.body).toMatchObject({ outcome: 'remediated', steps: { decision: 'gate', resume: { outcome: 'resumed', node: 'wait-pr-approved', toStage: 'quality-in-progress' } } });
    expect(stage()).toBe('quality-in-progress');
    expect(gate('wait-pr-approved')?.outputs?.parameters).toEqual([{ name: 'decision', value: 'restart' }]);
    expect(annotation('handoff.dev/remediations')).toBeUndefined();
  });

  it('the template writes right after the function\'s record write (Tess had just succeeded): the final write finds the gate and restarts QA', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'tess-running' }) as never);
    putCodeRun('tess-1', 'Tess', 'Running');
    let interleaved = false;
    api.afterUpdate = (stored) => {
      if (interleaved || !(stored.metadata.annotations as Record<string, string> | undefined)?.['handoff.dev/remediations']) return;
      interleaved = true;
      putCodeRun('tess-1', 'Tess', 'Succeeded');
      // The template's stage step writes last: its label overwrites the record write's quality-in-progress.
      templateMovesTo('wait-pr-approved');
    };
    const { post } = rexPush();
    const response = await post(push('f', 'push-6'));
    expect(interleaved).toBe(true);
    expect(response.body).toMatchObject({ outcome: 'remediated', steps: { decision: 'cancel', resume: { outcome: 'resumed', node: 'wait-pr-approved', toStage: 'quality-in-progress' } } });
    expect(stage()).toBe('quality-in-progress');
    expect(gate('wait-pr-approved')?.outputs?.parameters).toEqual([{ name: 'decision', value: 'restart' }]);
  });

  it('the cancellation applied first, the restarted QA\'s stage step after it: both write quality-in-progress, so the order does not matter', async () => {
    api.put(playWorkflow({ name: 'play-7', task: '7', position: 'tess-running' }) as never);
    putCodeRun('tess-1', 'Tess', 'Running');
    const { post } = rexPush();
    expect((await post(push('9', 'push-7'))).body).toMatchObject({ outcome: 'remediated', steps: { decision: 'cancel', resume: { toStage: 'quality-in-progress' } } });
    expect(stage()).toBe('quality-in-progress');
    // The restarted qa-cycle: Cleo running again after its own stage-quality-in-progress step.
    templateMovesTo('cleo-running', 1);
    expect(stage()).toBe('quality-in-progress');
  });
});
