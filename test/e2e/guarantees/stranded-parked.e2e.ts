// Guarantee: a parked event is not stranded when the play-workflows EventSource is down while the play reaches
// its gate. The update that would have re-driven it is never seen; when the EventSource starts again its
// informer lists the play workflows and reports each as an ADD, which the function's Sensor treats like the
// update it missed (manifests/play-workflows-eventsource.ts), and the parked event resumes the gate.
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  appliedEvents, control, handledDelivery, kube, nodesNamed, playAgent, readWorkflow, sendToEventSource, stack, stageOf, submitPodlessPlay, untilGatePassed, untilOutcome,
} from './support';

describe('stranded parked events', () => {
  it.skipIf(!stack().eventSourceUrl)('the play reaches the gate while the play-workflows EventSource is down: its restart re-drives the parked event', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await submitPodlessPlay(rest, task);
    const early = await sendToEventSource('pr-opened', task); // Rex still at work: parked
    await untilOutcome('pr-opened', early.delivery, 'parked');

    await control('POST', '/processes/eventsource-play-workflows/kill');
    try {
      await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created'); // nobody sees this update
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const stranded = await readWorkflow(rest, name);
      expect(stageOf(stranded)).toBe('waiting-pr-created');
      expect(nodesNamed(stranded, 'wait-pr-created').map((n) => n.phase)).toEqual(['Running']);
    } finally {
      await control('POST', '/processes/eventsource-play-workflows/start');
    }

    const started = Date.now();
    const wf = await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, 60_000);
    console.log(`[stranded] re-driven ${((Date.now() - started) / 1000).toFixed(1)} s after the EventSource started again`);
    expect(appliedEvents(wf).filter((k) => k === early.delivery)).toHaveLength(1);
    expect(wf.metadata.annotations).not.toHaveProperty('handoff.dev/parked-events');
    expect((await handledDelivery('pr-opened', early.delivery)).map((a) => a.outcome)).toEqual(['parked', 'resumed']);
  }, 240_000);

  it.skipIf(!stack().eventSourceUrl)('the sweep (what the parked-sweep calendar triggers) re-drives a play whose update nobody saw', async () => {
    const rest = kube();
    const { functionUrls, triggerToken } = stack();
    const task = uniqueTask();
    const name = await submitPodlessPlay(rest, task);
    const early = await sendToEventSource('pr-opened', task);
    await untilOutcome('pr-opened', early.delivery, 'parked');
    const sweep = async () => {
      const response = await fetch(`${functionUrls['pr-opened']}/parked/sweep`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${triggerToken}` }, body: JSON.stringify({ at: new Date().toISOString() }) });
      return { status: response.status, body: (await response.json()) as { outcome: string; steps?: Record<string, string> } };
    };

    await control('POST', '/processes/eventsource-play-workflows/kill');
    try {
      await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created'); // the update is lost
      const swept = await sweep();
      expect(swept.status).toBe(200);
      expect(swept.body).toMatchObject({ outcome: 'swept' });
      expect(swept.body.steps?.[name]).toBe('resumed');
      const wf = await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, 10_000);
      expect(appliedEvents(wf).filter((k) => k === early.delivery)).toHaveLength(1);
      expect((await sweep()).body.steps?.[name]).toBeUndefined(); // nothing parked there any more
    } finally {
      await control('POST', '/processes/eventsource-play-workflows/start');
    }
  }, 240_000);
});
