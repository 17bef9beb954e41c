// Guarantee: a parked event is not stranded when the play-workflows EventSource is down while the play reaches
// its gate. A play of the shipped template is held at Rex's turn (his CodeRun kept Running by the agents' side)
// so its pull_request.opened is parked; with the EventSource down, Rex's CodeRun ends and the template's own
// stage step and gate follow, an update nobody sees. When the EventSource starts again its informer lists the
// play workflows and reports each as an ADD, which the function's Sensor treats like the update it missed
// (manifests/play-workflows-eventsource.ts), and the parked event resumes the gate. Cleo's CodeRun is held so
// the play stays at quality-in-progress once resumed.
import { describe, expect, it } from 'vitest';
import type { KubeRest } from '../../../dev/stack/kube-rest';
import { deletePlay, releaseAgent, scriptAgent, submitPlay, untilAgentRun, untilGate } from '../shipped-play';
import { uniqueTask } from '../support';
import {
  appliedEvents, control, handledDelivery, kube, nodesNamed, readWorkflow, sendToEventSource, stack, stageOf, untilGatePassed, untilOutcome,
} from './support';

/** A play whose pull_request.opened was parked while Rex's CodeRun is held Running; returns it and Rex's run. */
async function playWithParkedPrOpened(rest: KubeRest, task: number) {
  await scriptAgent(task, 'rex', ['hold']);
  await scriptAgent(task, 'cleo', ['hold']);
  const name = await submitPlay(rest, task);
  // Rex's CodeRun exists: the controller has labelled the play, so the event finds it at implementation-in-progress.
  const rex = await untilAgentRun(task, 'rex', 'Running');
  const early = await sendToEventSource('pr-opened', task);
  await untilOutcome('pr-opened', early.delivery, 'parked');
  return { name, rex, early };
}

// The shipped template is installed only with a node (global-setup.ts).
describe.skipIf(!stack().node || !stack().eventSourceUrl)('stranded parked events', () => {
  it('the play reaches the gate while the play-workflows EventSource is down: its restart re-drives the parked event', async () => {
    const rest = kube();
    const task = uniqueTask();
    const { name, rex, early } = await playWithParkedPrOpened(rest, task);
    try {
      await control('POST', '/processes/eventsource-play-workflows/kill');
      try {
        await releaseAgent(rex.name, 'Succeeded');
        await untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created'); // nobody sees these updates
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
    } finally {
      await deletePlay(rest, name);
    }
  }, 480_000);

  it('the sweep (what the parked-sweep calendar triggers) re-drives a play whose update nobody saw', async () => {
    const rest = kube();
    const { functionUrls, triggerToken } = stack();
    const task = uniqueTask();
    const { name, rex, early } = await playWithParkedPrOpened(rest, task);
    const sweep = async () => {
      const response = await fetch(`${functionUrls['pr-opened']}/parked/sweep`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${triggerToken}` }, body: JSON.stringify({ at: new Date().toISOString() }) });
      return { status: response.status, body: (await response.json()) as { outcome: string; steps?: Record<string, string> } };
    };

    try {
      await control('POST', '/processes/eventsource-play-workflows/kill');
      try {
        await releaseAgent(rex.name, 'Succeeded');
        await untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created'); // the update is lost
        const swept = await sweep();
        expect(swept.status).toBe(200);
        expect(swept.body).toMatchObject({ outcome: 'swept' });
        expect(swept.body.steps?.[name]).toBe('resumed');
        const wf = await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, 10_000);
        expect(appliedEvents(wf).filter((k) => k === early.delivery)).toHaveLength(1);
        // The sweep logged the re-drive as the delivery's own attempt (route /parked/sweep).
        expect((await handledDelivery('pr-opened', early.delivery)).map((a) => a.outcome)).toEqual(['parked', 'resumed']);
        expect((await sweep()).body.steps?.[name]).toBeUndefined(); // nothing parked there any more
      } finally {
        await control('POST', '/processes/eventsource-play-workflows/start');
      }
    } finally {
      await deletePlay(rest, name);
    }
  }, 480_000);
});
