// Guarantee: one task goes through the real EventSource → Sensor → function → workflow-controller,
// gate by gate, and the `current-stage` label is right at every step. What runs: the shipped play
// template in pods (its stage steps, its agents' CodeRuns); each agent is held Running by the stack's
// agents' side while the test reads the stage it works in, then released; the gates are resumed only
// by signed GitHub webhooks.
import { describe, expect, it, onTestFinished } from 'vitest';
import { appliedEvents, kube, nodesNamed, readWorkflow, sendToEventSource, stack, stageOf, supplied, untilWorkflowPhase } from './support';
import { deletePlay, releaseAgent, scriptAgent, submitPlay, untilAgentRun, untilGate } from '../shipped-play';
import { uniqueTask } from '../support';

describe('full lifecycle through the real event path', () => {
  it.skipIf(!stack().node || !stack().eventSourceUrl)('pr-opened, Cleo\'s ready-for-qa and Tess\'s approval complete the play with the right stage at every step', async () => {
    const rest = kube();
    const task = uniqueTask();
    for (const role of ['rex', 'cleo', 'tess'] as const) await scriptAgent(task, role, ['hold']);
    const name = await submitPlay(rest, task);
    onTestFinished(() => deletePlay(rest, name));
    const deliveries: string[] = [];

    // Rex works: the stage the play was submitted with, and no gate yet.
    const rex = await untilAgentRun(task, 'rex', 'Running');
    let wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('implementation-in-progress');
    expect(nodesNamed(wf, 'wait-pr-created')).toHaveLength(0);
    await releaseAgent(rex.name, 'Succeeded');

    wf = await untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created');
    const opened = await sendToEventSource('pr-opened', task);
    expect(opened.status, opened.body).toBe(200);
    deliveries.push(opened.delivery);

    // Cleo works: the gate passed, the stage says so, nothing ran ahead of her.
    const cleo = await untilAgentRun(task, 'cleo', 'Running');
    wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('quality-in-progress');
    expect(nodesNamed(wf, 'wait-pr-created').map((n) => n.phase)).toEqual(['Succeeded']);
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0);
    await releaseAgent(cleo.name, 'Succeeded');

    await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
    const labeled = await sendToEventSource('ready-for-qa', task);
    expect(labeled.status, labeled.body).toBe(200);
    deliveries.push(labeled.delivery);

    // Tess works.
    const tess = await untilAgentRun(task, 'tess', 'Running');
    wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('testing-in-progress');
    expect(nodesNamed(wf, 'wait-ready-for-qa').map((n) => n.phase)).toEqual(['Succeeded']);
    expect(nodesNamed(wf, 'wait-pr-approved')).toHaveLength(0);
    await releaseAgent(tess.name, 'Succeeded');

    await untilGate(rest, name, 'wait-pr-approved', 'waiting-pr-approved');
    const approved = await sendToEventSource('approved', task);
    expect(approved.status, approved.body).toBe(200);
    deliveries.push(approved.delivery);

    wf = await untilWorkflowPhase(rest, name, 'Succeeded', 180_000);
    expect(stageOf(wf)).toBe('completed');
    for (const gate of ['wait-pr-created', 'wait-ready-for-qa', 'wait-pr-approved']) {
      const nodes = nodesNamed(wf, gate);
      expect(nodes, gate).toHaveLength(1);
      expect(nodes[0]!.phase).toBe('Succeeded');
      expect(supplied(nodes[0], 'decision'), gate).toBe('continue');
    }
    // Each function recorded exactly the delivery it applied.
    expect(appliedEvents(wf).filter((k) => deliveries.includes(k)).sort()).toEqual([...deliveries].sort());
  }, 600_000);
});
