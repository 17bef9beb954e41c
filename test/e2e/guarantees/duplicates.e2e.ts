// Guarantee: duplicates never double an effect. A play of the shipped template runs from submission to
// completed, driven only by GitHub events and the agents' side (every CodeRun Succeeded). Every event
// reaches the real EventSource three times — three copies at the same moment (same delivery ID, or
// distinct IDs as a re-sent event), or GitHub redeliveries (same X-GitHub-Delivery) after it was
// applied — and causes exactly one transition: each gate and each agent step runs once.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../dev/stack/github/payloads';
import { agentRuns, deletePlay, submitPlay, untilGate } from '../shipped-play';
import { uniqueTask } from '../support';
import { appliedEvents, kube, nodesNamed, sendToEventSource, stack, stageOf, untilHandled, untilWorkflowPhase } from './support';

const fnOf: Record<Exclude<Scenario, 'rex-push'>, string> = { 'pr-opened': 'pr-opened', 'ready-for-qa': 'labeled-ready-for-qa', approved: 'approved' };

async function triple(scenario: Exclude<Scenario, 'rex-push'>, task: number, mode: 'same-moment-same-id' | 'same-moment-new-ids' | 'redelivered'): Promise<string[]> {
  const id = randomUUID();
  const ids = mode === 'same-moment-new-ids' ? [id, randomUUID(), randomUUID()] : [id, id, id];
  if (mode === 'redelivered') {
    const first = await sendToEventSource(scenario, task, id);
    expect(first.status, first.body).toBe(200);
    await untilHandled(fnOf[scenario], task, 1);
    for (const copy of ids.slice(1)) expect((await sendToEventSource(scenario, task, copy)).status).toBe(200);
  } else {
    const results = await Promise.all(ids.map((copy) => sendToEventSource(scenario, task, copy)));
    for (const r of results) expect(r.status, r.body).toBe(200);
  }
  return ids;
}

// The shipped template is installed only with a node (global-setup.ts).
describe.skipIf(!stack().node || !stack().eventSourceUrl)('duplicate deliveries through the real event path', () => {
  it('each event delivered three times causes exactly one transition', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await submitPlay(rest, task);
    try {
      // Each event is sent once its gate waits (the stage step writes the stage before the gate exists).
      await untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created');
      const opened = await triple('pr-opened', task, 'same-moment-same-id');

      // Cleo's CodeRun succeeds on its own; the template moves the play to her gate.
      await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
      const labeled = await triple('ready-for-qa', task, 'same-moment-new-ids');

      await untilGate(rest, name, 'wait-pr-approved', 'waiting-pr-approved');
      const approved = await triple('approved', task, 'redelivered');
      const wf = await untilWorkflowPhase(rest, name, 'Succeeded', 180_000);

      // Every copy reached its function, and exactly one of the three resumed.
      for (const fn of Object.values(fnOf)) {
        const events = await untilHandled(fn, task, 3);
        expect(events, fn).toHaveLength(3);
        const outcomes = events.map((e) => e.outcome);
        expect(outcomes.filter((o) => o === 'resumed'), `${fn}: ${outcomes.join(',')}`).toHaveLength(1);
        expect(outcomes.every((o) => ['resumed', 'duplicate', 'already-done'].includes(o)), `${fn}: ${outcomes.join(',')}`).toBe(true);
        expect(events.every((e) => e.status === 200)).toBe(true);
      }

      expect(stageOf(wf)).toBe('completed');
      // One pass through the play: no gate resumed twice, no agent run twice.
      for (const node of ['agent-rex', 'wait-pr-created', 'agent-cleo', 'wait-ready-for-qa', 'agent-tess', 'wait-pr-approved']) {
        expect(nodesNamed(wf, node).map((n) => n.phase), node).toEqual(['Succeeded']);
      }
      expect((await agentRuns(task)).map((r) => `${r.githubApp}:${r.phase}`)).toEqual(['5DLabs-Rex:Succeeded', '5DLabs-Cleo:Succeeded', '5DLabs-Tess:Succeeded']);
      const applied = appliedEvents(wf);
      expect(applied.filter((k) => k === opened[0])).toHaveLength(1);
      expect(applied.filter((k) => k === approved[0])).toHaveLength(1);
      expect(labeled.filter((k) => applied.includes(k))).toHaveLength(1); // only the copy that won
    } finally {
      await deletePlay(rest, name);
    }
  }, 600_000);
});
