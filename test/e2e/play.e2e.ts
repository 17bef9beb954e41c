// The functions, the real Argo Events EventSource/Sensors and the real workflow-controller together, on plays
// of the shipped template: Rex's CodeRun ends by itself (the agents' side) and the template waits at
// wait-pr-created; Cleo's CodeRun is held, so a resumed play stays at quality-in-progress with her step running.
// Each play is deleted once its test is done with it.
import { describe, expect, it } from 'vitest';
import { scenarioPayload } from '../../dev/stack/github/payloads';
import { deliverWebhook, signature256 } from '../../dev/stack/github/webhook';
import { nodesNamed, readWorkflow, stageOf, untilGatePassed } from './guarantees/support';
import { deletePlay, playAtPrGate, scriptAgent, untilAgentRun } from './shipped-play';
import { eventually, kube, stack, uniqueTask } from './support';

const repository = 'Codertocat/Hello-World';

/** A shipped play of a new task at wait-pr-created, Cleo's CodeRun to be held; `use` runs, then the play is deleted. */
async function withPlayAtPrGate(use: (task: number, name: string) => Promise<void>): Promise<void> {
  const task = uniqueTask();
  await scriptAgent(task, 'cleo', ['hold']);
  const name = await playAtPrGate(kube(), task);
  try {
    await use(task, name);
  } finally {
    await deletePlay(kube(), name);
  }
}

/** After wait-pr-created was resumed: the controller ran on into QA and Cleo's agent step waits on her CodeRun. */
async function expectCleoAtWork(task: number, name: string): Promise<void> {
  const cleo = await untilAgentRun(task, 'cleo', 'Running');
  expect(cleo.workflow).toBe(name);
  // The controller reports the pod's phase a moment after argoexec in it created the CodeRun.
  const wf = await eventually(`${name}: agent-cleo Running`, async () => {
    const read = await readWorkflow(kube(), name);
    return nodesNamed(read, 'agent-cleo').some((n) => n.phase === 'Running') ? read : undefined;
  });
  expect(nodesNamed(wf, 'agent-cleo')).toHaveLength(1);
  expect(stageOf(wf)).toBe('quality-in-progress');
}

// The shipped template is installed only with a node (global-setup.ts).
const noShippedPlays = !stack().node;

// Both describes run concurrently: each test has its own task and play (and deletes it), sends only to its own
// play, and compares only its own play; none kills a process, changes the fake GitHub's mode or rotates a
// secret. Most of each test is waiting on its play's pods.
describe.concurrent('function against the real workflow-controller (direct GitHub delivery)', () => {
  it.skipIf(noShippedPlays || !stack().functionUrls['pr-opened'])('a signed pull_request.opened resumes wait-pr-created and the controller runs on', async () => {
    await withPlayAtPrGate(async (task, name) => {
      const { event, payload } = scenarioPayload('pr-opened', { task, repository });
      const result = await deliverWebhook({ url: stack().functionUrls['pr-opened']!, event, payload, secret: stack().webhookSecret });
      expect(result.status, result.body).toBe(200);
      expect(JSON.parse(result.body).outcome).toBe('resumed');
      const after = await untilGatePassed(kube(), name, 'wait-pr-created', 'quality-in-progress');
      expect(nodesNamed(after, 'wait-pr-created').map((n) => n.phase)).toEqual(['Succeeded']);
      await expectCleoAtWork(task, name);
    });
  }, 480_000);

  it.skipIf(noShippedPlays || !stack().functionUrls['pr-opened'])('rejects a wrong trigger token and leaves the workflow as it was', async () => {
    await withPlayAtPrGate(async (task, name) => {
      const before = await readWorkflow(kube(), name);
      const { payload } = scenarioPayload('pr-opened', { task, repository });
      const response = await fetch(stack().functionUrls['pr-opened']!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer not-the-token' },
        body: JSON.stringify({ headers: { 'X-Github-Event': ['pull_request'] }, body: { ...payload, 'X-GitHub-Event': 'pull_request', 'X-GitHub-Delivery': 'e2e-wrong-token' } }),
      });
      expect(response.status).toBe(401);
      // The controller may still write the play's status; what the function would have written is unchanged:
      // the gate, the stage label and the annotations (applied events, update time).
      const after = await readWorkflow(kube(), name);
      expect(nodesNamed(after, 'wait-pr-created').map((n) => n.phase)).toEqual(['Running']);
      expect(after.metadata.labels).toEqual(before.metadata.labels);
      expect(after.metadata.annotations).toEqual(before.metadata.annotations);
      expect(stageOf(after)).toBe('waiting-pr-created');
    });
  }, 480_000);
});

describe.concurrent('GitHub → real EventSource → real Sensor → function → real controller', () => {
  it.skipIf(noShippedPlays || !stack().eventSourceUrl)('happy path: the play runs past wait-pr-created after a signed pull_request.opened', async () => {
    await withPlayAtPrGate(async (task, name) => {
      const { event, payload } = scenarioPayload('pr-opened', { task, repository });
      const result = await deliverWebhook({ url: stack().eventSourceUrl!, event, payload, secret: stack().webhookSecret });
      expect(result.status, result.body).toBe(200);
      await untilGatePassed(kube(), name, 'wait-pr-created', 'quality-in-progress');
      await expectCleoAtWork(task, name);
    });
  }, 480_000);

  it.skipIf(!stack().eventSourceUrl)('the EventSource rejects a wrong signature', async () => {
    const { eventSourceUrl, webhookSecret } = stack();
    const { event, payload } = scenarioPayload('pr-opened', { task: uniqueTask() });
    const wrong = signature256(`${webhookSecret}-wrong`, JSON.stringify(payload));
    const result = await deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret, signature: wrong });
    expect(result.status).toBe(400);
    const good = await deliverWebhook({ url: eventSourceUrl!, event: 'ping', payload: { zen: 'e2e' }, secret: webhookSecret });
    expect(good.status).toBe(200);
  });
});
