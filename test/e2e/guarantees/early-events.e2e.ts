// Guarantee: an event never gets lost. An approval that arrives before the play waits for it gets
// 503 from `approved`; the real Sensor's retryStrategy (8 steps from 2 s, factor 2) retries it and
// the resume happens once wait-pr-approved is active. If the play never gets there, the retries run
// out and the Sensor's dead-letter trigger calls /dead-letter, where `approved` keeps the event in the
// dead-letter store (about 4.5 min; E2E_DLQ=0 skips it).
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  appliedEvents, eventually, handledDelivery, handledEvents, kube, untilActive, untilOutcome, nodesNamed, playAgent, readWorkflow, sendToEventSource, stack, stageOf, submitPodlessPlay, untilGatePassed,
  untilHandled, untilWorkflowPhase, playOpenedThroughEventSource, untilDeadLettered,
} from './support';

const dlq = process.env.E2E_DLQ !== '0';

// Not concurrent: while one event is being retried, the Sensor does not call its function for later
// events (its retries block the trigger), so the two tests would hold each other up.
describe('early events parked on their workflow', () => {
  it.skipIf(!stack().eventSourceUrl)('a pull_request.opened while Rex works is parked at once, holds nobody up, and resumes wait-pr-created when the play waits for it', async () => {
    const rest = kube();
    const task = uniqueTask();
    const other = uniqueTask();
    const name = await submitPodlessPlay(rest, task);
    const otherName = await submitPodlessPlay(rest, other);
    await playAgent(rest, otherName, 'agent-rex', 'wait-pr-created', 'waiting-pr-created');

    const early = await sendToEventSource('pr-opened', task); // Rex is still at work on `task`
    expect(early.status, early.body).toBe(200);
    const parkedAttempts = await untilOutcome('pr-opened', early.delivery, 'parked');
    expect(parkedAttempts.map((a) => [a.outcome, a.status])).toEqual([['parked', 200]]);
    const parked = await readWorkflow(rest, name);
    expect(stageOf(parked)).toBe('implementation-in-progress');
    expect(JSON.parse(parked.metadata.annotations?.['handoff.dev/parked-events'] ?? '{}')).toMatchObject({ 'pr-opened': { keys: [early.delivery] } });

    // Another task's event goes straight through: nothing is being retried in front of it.
    const next = await sendToEventSource('pr-opened', other);
    await untilGatePassed(rest, otherName, 'wait-pr-created', 'quality-in-progress');
    expect((await handledDelivery('pr-opened', next.delivery)).map((a) => a.outcome)).toEqual(['resumed']);
    expect(nodesNamed(await readWorkflow(rest, name), 'wait-pr-created')).toHaveLength(0); // still before the gate

    // Rex finishes; the stage step moves the label; the play-workflows EventSource sees it and the Sensor re-drives.
    await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created');
    const wf = await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, 60_000);
    expect(nodesNamed(wf, 'wait-pr-created').map((n) => n.phase)).toEqual(['Succeeded']);
    expect(appliedEvents(wf).filter((k) => k === early.delivery)).toHaveLength(1);
    expect(wf.metadata.annotations).not.toHaveProperty('handoff.dev/parked-events');
    const attempts = await handledDelivery('pr-opened', early.delivery);
    expect(attempts.map((a) => a.outcome)).toEqual(['parked', 'resumed']);
    await untilActive(rest, name, 'agent-cleo');
  });
});

describe('early events through the real Sensor retry', () => {
  it.skipIf(!stack().eventSourceUrl)('an approval sent at quality-in-progress gets 503 and resumes wait-pr-approved once it is active', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await playOpenedThroughEventSource(rest, task);

    const early = await sendToEventSource('approved', task);
    expect(early.status, early.body).toBe(200); // the EventSource accepted it
    const refused = await untilHandled('approved', task, 2); // the first try and at least one retry
    expect(refused.map((e) => [e.outcome, e.status, e.deliveryId])).toEqual(refused.map(() => ['not-ready', 503, early.delivery]));
    expect(nodesNamed(await readWorkflow(rest, name), 'wait-pr-approved')).toHaveLength(0);

    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa');
    expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
    await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress');
    await playAgent(rest, name, 'agent-tess', 'wait-pr-approved', 'waiting-pr-approved');

    // No new approval: a Sensor retry of the early one completes the play (retries up to 64 s apart here).
    const wf = await untilGatePassed(rest, name, 'wait-pr-approved', 'completed', 1, 150_000);
    expect(stageOf(wf)).toBe('completed');
    const handled = await handledEvents('approved', task);
    expect(handled.filter((e) => e.outcome === 'resumed').map((e) => e.deliveryId)).toEqual([early.delivery]);
    expect(handled.length).toBeGreaterThanOrEqual(3);
    await untilWorkflowPhase(rest, name, 'Succeeded');
  }, 240_000);

  it.skipIf(!stack().eventSourceUrl || !dlq)('when the retries run out the event is kept in the dead-letter store with its last answer, never dropped', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await submitPodlessPlay(rest, task);
    await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created'); // and it stays there
    const started = Date.now();
    const early = await sendToEventSource('approved', task);
    expect(early.status, early.body).toBe(200);
    const letter = await untilDeadLettered('approved', early.delivery, 660_000);
    expect(letter).toMatchObject({ function: 'approved', route: '/', status: 503, outcome: 'not-ready' });
    expect(JSON.parse(letter.request!).headers['X-Github-Delivery']).toEqual([early.delivery]);
    const attempts = (await handledEvents('approved', task)).filter((e) => e.deliveryId === early.delivery);
    // Every retry reached the function, then the dead-letter trigger's call tried once more and kept it.
    expect(attempts.slice(0, -1).length).toBeGreaterThanOrEqual(8);
    expect(attempts.slice(0, -1).every((e) => e.outcome === 'not-ready' && e.status === 503)).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ outcome: 'dead-lettered', status: 200 });
    const wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('waiting-pr-created');
    console.log(`[dlq] approval dead-lettered after ${Math.round((Date.now() - started) / 1000)} s and ${attempts.length} attempts`);
  }, 720_000);
});
