// Guarantee: a Rex push during QA cancels the QA CodeRuns, removes ready-for-qa and restarts the QA cycle
// (stage quality-in-progress: Cleo works again), whether QA is waiting at a gate (decision=restart) or Cleo
// or Tess is running (the CodeRun deleted, the agent step fails, the template's restart-qa runs) — as
// often as Rex pushes, with Cleo's ready-for-qa parked while she works and applied when the play waits.
// Every push goes GitHub → EventSource → rex-push Sensor → rex-push function; the harness's fake
// GitHub has the task's PR with ready-for-qa and records the label removal.
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  activeNode, addReadyForQaLabel, codeRunNames, createCodeRun, kube, labelRemovals, nodesNamed, playAgent, playOpenedThroughEventSource, readWorkflow,
  sendRexPush, sendToEventSource, stack, stageOf, supplied, untilActive, untilGatePassed, untilOutcome, untilWorkflowPhase, failNode,
} from './support';

const answeredRemovals = async (task: number) => (await labelRemovals(task)).filter((r) => r.status === 200).length;

/** A Rex push through the real event path, and the function's answer to it. */
async function pushAndRemediate(task: number): Promise<void> {
  const push = await sendRexPush(task);
  expect(push.status, push.body).toBe(200);
  const attempts = await untilOutcome('rex-push', push.delivery, 'remediated');
  expect(attempts.map((a) => a.outcome)).toEqual(['remediated']);
}

describe('rex-push remediation against the real controller', () => {
  it.skipIf(!stack().eventSourceUrl)('at wait-ready-for-qa and at wait-pr-approved: CodeRuns deleted, label removed, stage reset, gate decision=restart, QA restarts', async () => {
    const rest = kube();
    const task = uniqueTask();
    const other = uniqueTask();
    const name = await playOpenedThroughEventSource(rest, task);
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa');

    // What the CodeRun controller left behind: Rex's and Cleo's finished runs; another task's Cleo run.
    const rexRun = await createCodeRun(rest, { task, app: '5DLabs-Rex', workflow: name, phase: 'Succeeded' });
    await createCodeRun(rest, { task, app: '5DLabs-Cleo', workflow: name, phase: 'Succeeded' });
    const otherRun = await createCodeRun(rest, { task: other, app: '5DLabs-Cleo', workflow: 'play-other', phase: 'Running' });

    await pushAndRemediate(task);
    expect(await codeRunNames(rest, task)).toEqual([rexRun]);
    expect(await codeRunNames(rest, other)).toEqual([otherRun]);
    expect(await answeredRemovals(task)).toBe(1);
    let wf = await untilActive(rest, name, 'agent-cleo', 2);
    expect(stageOf(wf)).toBe('quality-in-progress');
    const gate = nodesNamed(wf, 'wait-ready-for-qa');
    expect(gate).toHaveLength(1);
    expect(gate[0]!.phase).toBe('Succeeded');
    expect(supplied(gate[0], 'decision')).toBe('restart');
    expect(nodesNamed(wf, 'agent-tess')).toHaveLength(0); // restarted, not continued

    // Second cycle to wait-pr-approved, then Rex pushes again.
    await finishAndReach(name, 2);
    const tessRun = await createCodeRun(rest, { task, app: '5DLabs-Tess', workflow: name, phase: 'Succeeded' });
    expect(await codeRunNames(rest, task)).toContain(tessRun);
    await pushAndRemediate(task);
    expect(await codeRunNames(rest, task)).toEqual([rexRun]);
    expect(await answeredRemovals(task)).toBe(2);
    wf = await untilActive(rest, name, 'agent-cleo', 3);
    expect(stageOf(wf)).toBe('quality-in-progress');
    const approvedGate = nodesNamed(wf, 'wait-pr-approved');
    expect(approvedGate).toHaveLength(1);
    expect(supplied(approvedGate[0], 'decision')).toBe('restart');
    expect(wf.status?.phase).toBe('Running');
  });

  it.skipIf(!stack().eventSourceUrl)('while Cleo runs: her CodeRun is deleted, her step fails and the QA cycle restarts', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await playOpenedThroughEventSource(rest, task);
    await untilActive(rest, name, 'agent-cleo', 1);
    const cleoRun = await createCodeRun(rest, { task, app: '5DLabs-Cleo', workflow: name, phase: 'Running' });
    expect(await codeRunNames(rest, task)).toEqual([cleoRun]);

    await pushAndRemediate(task);
    expect(await codeRunNames(rest, task)).toEqual([]);
    expect(await answeredRemovals(task)).toBe(1);
    let wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('quality-in-progress');
    expect(activeNode(wf, 'agent-cleo')).toBeDefined(); // no gate was active: nothing resumed
    expect(wf.metadata.annotations?.['handoff.dev/remediations']).toBeUndefined(); // the record is dropped once applied

    // The controller's part: the resource step waiting on the deleted CodeRun fails.
    await failNode(name, 'agent-cleo');
    wf = await untilActive(rest, name, 'agent-cleo', 2);
    expect(nodesNamed(wf, 'agent-cleo').filter((n) => n.phase === 'Failed')).toHaveLength(1);
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0);
    expect(wf.status?.phase).toBe('Running');
  });

  it.skipIf(!stack().eventSourceUrl)('three Rex pushes in a row (at a gate, while Tess runs, while Cleo runs): QA restarts each time, the stage says Cleo works, her ready-for-qa is parked then applied, and the play completes', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await playOpenedThroughEventSource(rest, task);
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa');

    // 1. At wait-ready-for-qa: decision=restart.
    await pushAndRemediate(task);
    let wf = await untilActive(rest, name, 'agent-cleo', 2);
    expect(stageOf(wf)).toBe('quality-in-progress');
    // Cleo's hand-over while she works on the new commits: parked (it was 503 while the label said waiting-pr-created).
    const early = await sendReadyForQa(task);
    expect((await untilOutcome('labeled-ready-for-qa', early, 'parked')).map((a) => a.status)).toEqual([200]);
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa', 2);
    wf = await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress', 2);
    expect(nodesNamed(wf, 'wait-ready-for-qa').map((n) => supplied(n, 'decision')).sort()).toEqual(['continue', 'restart']);

    // 2. While Tess runs: her CodeRun is cancelled, her step fails, QA restarts.
    await untilActive(rest, name, 'agent-tess', 1);
    const tessRun = await createCodeRun(rest, { task, app: '5DLabs-Tess', workflow: name, phase: 'Running' });
    await pushAndRemediate(task);
    expect(await codeRunNames(rest, task)).not.toContain(tessRun);
    expect(await answeredRemovals(task)).toBe(2); // Cleo's second ready-for-qa
    expect(stageOf(await readWorkflow(rest, name))).toBe('quality-in-progress');
    await failNode(name, 'agent-tess');
    wf = await untilActive(rest, name, 'agent-cleo', 3);
    expect(stageOf(wf)).toBe('quality-in-progress');

    // 3. While Cleo runs again: the same, through Cleo's step.
    const cleoRun = await createCodeRun(rest, { task, app: '5DLabs-Cleo', workflow: name, phase: 'Running' });
    await pushAndRemediate(task);
    expect(await codeRunNames(rest, task)).not.toContain(cleoRun);
    await failNode(name, 'agent-cleo');
    wf = await untilActive(rest, name, 'agent-cleo', 4);
    expect(stageOf(wf)).toBe('quality-in-progress');
    expect(await answeredRemovals(task)).toBe(2); // no label left to remove

    // The fourth pass runs to the end.
    const handOver = await sendReadyForQa(task);
    await untilOutcome('labeled-ready-for-qa', handOver, 'parked');
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa', 4, 3); // pass 3 was cancelled before its gate
    await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress', 3);
    await playAgent(rest, name, 'agent-tess', 'wait-pr-approved', 'waiting-pr-approved', 2, 1); // Tess's first run was cancelled
    expect((await sendToEventSource('approved', task)).status).toBe(200);
    wf = await untilWorkflowPhase(rest, name, 'Succeeded');
    expect(stageOf(wf)).toBe('completed');
    expect(nodesNamed(wf, 'agent-cleo').map((n) => n.phase).sort()).toEqual(['Failed', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(nodesNamed(wf, 'restart-qa').filter((n) => n.phase !== 'Skipped')).toHaveLength(3);
  }, 600_000);
});

/** Cleo labels the PR ready-for-qa (the fake GitHub keeps it) and GitHub sends the labeled event; returns its delivery. */
async function sendReadyForQa(task: number): Promise<string> {
  await addReadyForQaLabel(task);
  const delivery = await sendToEventSource('ready-for-qa', task);
  expect(delivery.status).toBe(200);
  return delivery.delivery;
}

/** Cleo (cycle `n`) finishes, ready-for-qa through the real event path, Tess finishes: the play waits at wait-pr-approved. */
async function finishAndReach(name: string, n: number): Promise<void> {
  const rest = kube();
  const task = Number((await readWorkflow(rest, name)).metadata.labels?.['task-id']);
  await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa', n);
  await addReadyForQaLabel(task);
  expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
  await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress', 2);
  await playAgent(rest, name, 'agent-tess', 'wait-pr-approved', 'waiting-pr-approved', 1);
}
