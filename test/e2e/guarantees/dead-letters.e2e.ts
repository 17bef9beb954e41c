// Guarantee: an event no retry can apply holds nobody up and is kept. A permanently refused event (no workflow
// for its task: 404) ends its Sensor attempt at once (the policy accepts the permanent statuses), is kept by the
// function as a dead letter (a Secret, shared/dead-letters) with its answer and exact request, and the events
// behind it for other tasks apply within seconds instead of after the ~4.5 min of retries a 404 used to get.
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import { handledDelivery, kube, playAgent, sendToEventSource, stack, submitPodlessPlay, untilDeadLettered, untilGatePassed } from './support';

const GOOD = 3;

describe('a permanent refusal does not block the function queue', () => {
  it.skipIf(!stack().eventSourceUrl)('a pull_request.opened for a task without a play is dead-lettered at once; the next tasks resume within seconds', async () => {
    const rest = kube();
    const tasks = Array.from({ length: GOOD }, () => uniqueTask());
    const plays = await Promise.all(tasks.map((task) => submitPodlessPlay(rest, task)));
    await Promise.all(plays.map((name) => playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created')));

    const orphan = uniqueTask(); // no play workflow: 404 no-workflow, which no retry changes
    const sent = Date.now();
    const bad = await sendToEventSource('pr-opened', orphan);
    expect(bad.status, bad.body).toBe(200);
    const good = [];
    for (const task of tasks) good.push(await sendToEventSource('pr-opened', task)); // queued behind the bad one, in order

    const passed = await Promise.all(plays.map(async (name) => {
      await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, 60_000);
      return Date.now() - sent;
    }));
    console.log(`[dead-letters] ${GOOD} events behind a 404 applied after ${passed.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`);
    // The Sensor's first retry of a refused call alone would be 2 s, and all of them about 4.5 min.
    for (const ms of passed) expect(ms).toBeLessThan(20_000);
    for (const delivery of good) expect((await handledDelivery('pr-opened', delivery.delivery)).map((a) => a.outcome)).toEqual(['resumed']);

    const letter = await untilDeadLettered('pr-opened', bad.delivery);
    expect(letter).toMatchObject({ function: 'pr-opened', route: '/', status: 404, outcome: 'no-workflow' });
    expect(letter.reason).toMatch(/no play workflow for this task/);
    const request = JSON.parse(letter.request!) as { headers: Record<string, string[]>; body: { pull_request: { head: { ref: string } } } };
    expect(request.headers['X-Github-Delivery']).toEqual([bad.delivery]);
    expect(request.body.pull_request.head.ref).toMatch(new RegExp(`^task-${orphan}-`));
    // Exactly one attempt: no retry, and no dead-letter call either (the attempt was accepted).
    expect((await handledDelivery('pr-opened', bad.delivery)).map((a) => [a.outcome, a.status])).toEqual([['no-workflow', 404]]);
  }, 240_000);
});
