// Guarantee: one task goes through the real EventSource → Sensor → function → workflow-controller,
// gate by gate, and the `current-stage` label is right at every step.
import { describe, expect, it } from 'vitest';
import { submitPodlessPlay, kube, nodesNamed, playAgent, sendToEventSource, stack, stageOf, supplied, untilGatePassed, untilWorkflowPhase, appliedEvents, readWorkflow } from './support';
import { uniqueTask } from '../support';

describe('full lifecycle through the real event path', () => {
  it.skipIf(!stack().eventSourceUrl)('pr-opened, Cleo\'s ready-for-qa and Tess\'s approval complete the play with the right stage at every step', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await submitPodlessPlay(rest, task);
    const deliveries: string[] = [];

    let wf = await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created');
    expect(stageOf(wf)).toBe('waiting-pr-created');
    const opened = await sendToEventSource('pr-opened', task);
    expect(opened.status, opened.body).toBe(200);
    deliveries.push(opened.delivery);
    wf = await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress');
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0); // nothing ran ahead of Cleo

    wf = await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa');
    expect(stageOf(wf)).toBe('waiting-ready-for-qa');
    const labeled = await sendToEventSource('ready-for-qa', task);
    expect(labeled.status, labeled.body).toBe(200);
    deliveries.push(labeled.delivery);
    wf = await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress');

    wf = await playAgent(rest, name, 'agent-tess', 'wait-pr-approved', 'waiting-pr-approved');
    expect(stageOf(wf)).toBe('waiting-pr-approved');
    const approved = await sendToEventSource('approved', task);
    expect(approved.status, approved.body).toBe(200);
    deliveries.push(approved.delivery);
    await untilGatePassed(rest, name, 'wait-pr-approved', 'completed');

    wf = await untilWorkflowPhase(rest, name, 'Succeeded');
    expect(stageOf(wf)).toBe('completed');
    for (const gate of ['wait-pr-created', 'wait-ready-for-qa', 'wait-pr-approved']) {
      const nodes = nodesNamed(wf, gate);
      expect(nodes, gate).toHaveLength(1);
      expect(nodes[0]!.phase).toBe('Succeeded');
      expect(supplied(nodes[0], 'decision'), gate).toBe('continue');
    }
    // Each function recorded exactly the delivery it applied.
    expect(appliedEvents(await readWorkflow(rest, name)).filter((k) => deliveries.includes(k)).sort()).toEqual([...deliveries].sort());
  });
});
