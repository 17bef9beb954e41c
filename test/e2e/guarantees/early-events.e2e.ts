// Guarantee: an event never gets lost. One that arrives one stage early is parked on its workflow and
// applied when the play waits for it. One that arrives earlier still gets 503; the Sensor's retryStrategy
// retries it until the play takes it (resumed, or parked one stage early and then resumed). If the play
// never gets there, the retries run out and the Sensor's dead-letter trigger calls /dead-letter, where
// `approved` keeps the event in the dead-letter store (E2E_DLQ=0 skips it). The e2e stack retries the
// shipped 8 attempts from 1 s instead of 2 s (stack().sensorRetries, dev/stack/stack.ts E2E_SENSOR_RETRIES):
// 127 s of sleeps instead of 254 s before the dead-letter call. What runs: the shipped play template in pods;
// the stack's agents' side holds an agent Running where a test needs the play to stay in a stage, and
// releases it; every event is a signed GitHub webhook through the EventSource.
import { describe, expect, it } from 'vitest';
import { retryWindowSeconds } from '../../../manifests/sensor-retries';
import { uniqueTask } from '../support';
import { deletePlay, playAtCleo, playAtPrGate, releaseAgent, scriptAgent, submitPlay, untilAgentRun, untilGate } from '../shipped-play';
import {
  appliedEvents, handledDelivery, handledEvents, kube, nodesNamed, readWorkflow, sendToEventSource, stack, stageOf, untilDeadLettered, untilGatePassed,
  untilHandled, untilOutcome, untilWorkflowPhase,
} from './support';

const dlq = process.env.E2E_DLQ !== '0';
const needsPods = !stack().node || !stack().eventSourceUrl;
const retries = stack().sensorRetries!;

// The parked pull_request.opened runs beside the two approvals: its events go through the pr-opened Sensor,
// theirs through the approved Sensor, and each test has its own tasks, plays and held agents (nothing here
// kills a process, changes the fake GitHub or counts another task's events). The two approvals run one after
// the other: while one is being retried the approved Sensor's trigger calls the function for nothing else,
// so they would hold each other up.
describe.skipIf(needsPods).concurrent('early events', () => {
  it('a pull_request.opened while Rex works is parked at once, holds nobody up, and resumes wait-pr-created when the play waits for it', async ({ onTestFinished }) => {
    const rest = kube();
    const task = uniqueTask();
    const other = uniqueTask();
    await scriptAgent(task, 'rex', ['hold']); // the play stays at implementation-in-progress until released
    await scriptAgent(task, 'cleo', ['hold']); // and at quality-in-progress once the gate passed
    const name = await submitPlay(rest, task);
    onTestFinished(() => deletePlay(rest, name));
    const otherName = await playAtPrGate(rest, other);
    onTestFinished(() => deletePlay(rest, otherName));
    const rex = await untilAgentRun(task, 'rex', 'Running');

    const early = await sendToEventSource('pr-opened', task); // Rex is still at work on `task`
    expect(early.status, early.body).toBe(200);
    const parkedAttempts = await untilOutcome('pr-opened', early.delivery, 'parked');
    expect(parkedAttempts.map((a) => [a.outcome, a.status])).toEqual([['parked', 200]]);
    const parked = await readWorkflow(rest, name);
    expect(stageOf(parked)).toBe('implementation-in-progress');
    expect(JSON.parse(parked.metadata.annotations?.['handoff.dev/parked-events'] ?? '{}')).toMatchObject({ 'pr-opened': { keys: [early.delivery] } });

    // Another task's event goes straight through: nothing is being retried in front of it.
    const next = await sendToEventSource('pr-opened', other);
    expect(next.status, next.body).toBe(200);
    await untilOutcome('pr-opened', next.delivery, 'resumed');
    expect((await handledDelivery('pr-opened', next.delivery)).map((a) => a.outcome)).toEqual(['resumed']);
    expect(nodesNamed(await readWorkflow(rest, name), 'wait-pr-created')).toHaveLength(0); // still before the gate
    await deletePlay(rest, otherName);

    // Rex finishes; the stage step moves the label and the gate waits; the play-workflows EventSource sees
    // the workflow change and the Sensor re-drives the parked event.
    await releaseAgent(rex.name, 'Succeeded');
    const wf = await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, 240_000);
    expect(nodesNamed(wf, 'wait-pr-created').map((n) => n.phase)).toEqual(['Succeeded']);
    expect(appliedEvents(wf).filter((k) => k === early.delivery)).toHaveLength(1);
    expect(wf.metadata.annotations).not.toHaveProperty('handoff.dev/parked-events');
    const attempts = await handledDelivery('pr-opened', early.delivery);
    expect(attempts.map((a) => a.outcome)).toEqual(['parked', 'resumed']);
    await untilAgentRun(task, 'cleo', 'Running'); // QA started
  }, 600_000);

  describe('through the real Sensor retry', () => {
    it.sequential('an approval sent at quality-in-progress gets 503 and resumes wait-pr-approved once the play waits for it', async ({ onTestFinished }) => {
      const rest = kube();
      const task = uniqueTask();
      await scriptAgent(task, 'cleo', ['hold']); // the play stays at quality-in-progress until released
      const name = await playAtCleo(rest, task);
      onTestFinished(() => deletePlay(rest, name));
      const cleo = await untilAgentRun(task, 'cleo', 'Running');
      expect(stageOf(await readWorkflow(rest, name))).toBe('quality-in-progress');

      const early = await sendToEventSource('approved', task);
      expect(early.status, early.body).toBe(200); // the EventSource accepted it
      const refused = await untilHandled('approved', task, 2); // the first try and at least one retry
      expect(refused.map((e) => [e.outcome, e.status, e.deliveryId])).toEqual(refused.map(() => ['not-ready', 503, early.delivery]));
      expect(nodesNamed(await readWorkflow(rest, name), 'wait-pr-approved')).toHaveLength(0);

      await releaseAgent(cleo.name, 'Succeeded');
      await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
      expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);

      // No new approval: Tess succeeds by herself, and a Sensor retry of the early one completes the play: parked
      // once the play is at testing-in-progress (ready-for-qa's resume writes it), then re-driven at the gate. The
      // play gets there two pods after Cleo's release (her step ends, the stage step runs); the retries go on for
      // the stack's retry window from the first attempt (127 s of sleeps here), then the dead-letter call tries once more.
      const wf = await untilWorkflowPhase(rest, name, 'Succeeded', 480_000);
      expect(stageOf(wf)).toBe('completed');
      expect(nodesNamed(wf, 'wait-pr-approved').map((n) => n.phase)).toEqual(['Succeeded']);
      expect(appliedEvents(wf)).toContain(early.delivery);
      const attempts = await handledDelivery('approved', early.delivery);
      expect(attempts.filter((a) => a.outcome === 'resumed')).toHaveLength(1);
      expect(attempts.filter((a) => a.outcome === 'not-ready').length).toBeGreaterThanOrEqual(2);
      expect(attempts.every((a) => ['not-ready', 'parked', 'resumed'].includes(a.outcome))).toBe(true);
      expect((await handledEvents('approved', task)).filter((e) => e.deliveryId !== early.delivery)).toEqual([]); // no other approval
    }, 720_000);

    it.skipIf(!dlq).sequential('when the retries run out the event is kept in the dead-letter store with its last answer, never dropped', async ({ onTestFinished }) => {
      const rest = kube();
      const task = uniqueTask();
      const name = await playAtPrGate(rest, task); // and it stays there
      onTestFinished(() => deletePlay(rest, name));
      const started = Date.now();
      const early = await sendToEventSource('approved', task);
      expect(early.status, early.body).toBe(200);
      const letter = await untilDeadLettered('approved', early.delivery, 660_000);
      expect(letter).toMatchObject({ function: 'approved', route: '/', status: 503, outcome: 'not-ready' });
      expect(JSON.parse(letter.request!).headers['X-Github-Delivery']).toEqual([early.delivery]);
      const attempts = (await handledEvents('approved', task)).filter((e) => e.deliveryId === early.delivery);
      // Every retry reached the function, then the dead-letter trigger's call tried once more and kept it.
      expect(attempts.slice(0, -1).length).toBeGreaterThanOrEqual(retries.steps);
      expect(attempts.slice(0, -1).every((e) => e.outcome === 'not-ready' && e.status === 503)).toBe(true);
      expect(attempts.at(-1)).toMatchObject({ outcome: 'dead-lettered', status: 200 });
      const wf = await readWorkflow(rest, name);
      expect(stageOf(wf)).toBe('waiting-pr-created');
      console.log(`[dlq] approval dead-lettered after ${Math.round((Date.now() - started) / 1000)} s and ${attempts.length} attempts (retries: ${retryWindowSeconds(retries)} s of sleeps)`);
    }, 900_000);
  });
});
