// Guarantee: a Rex push during QA cancels the QA CodeRuns, removes ready-for-qa and restarts the QA cycle
// (stage quality-in-progress: Cleo works again), whether QA is waiting at a gate (decision=restart) or Cleo
// or Tess is running (rex-push deletes the CodeRun, argoexec fails the agent step, the template's
// restart-qa runs) — as often as Rex pushes, with Cleo's ready-for-qa parked while she works and applied
// when the play waits. What runs: the shipped play template in pods, its agents' CodeRuns ended by the
// stack's agents' side, which holds a run Running where a test needs an agent at work and releases it.
// Every push goes GitHub → EventSource → rex-push Sensor → rex-push function; the harness's fake GitHub
// has the task's PR with ready-for-qa (Cleo's hand-over puts it back) and records the label removals.
import { describe, expect, it } from 'vitest';
import { CODERUN_APPS, type AgentRole } from '../../../shared/play';
import { uniqueTask } from '../support';
import { agentRuns, deletePlay, playAtCleo, releaseAgent, scriptAgent, untilGate, type CodeRun } from '../shipped-play';
import {
  addReadyForQaLabel, codeRunNames, eventually, kube, labelRemovals, nodesNamed, readWorkflow, sendRexPush, sendToEventSource, stack, stageOf, supplied,
  untilOutcome, untilWorkflowPhase, type GuaranteeWorkflow,
} from './support';

const answeredRemovals = async (task: number) => (await labelRemovals(task)).filter((r) => r.status === 200).length;
const ran = (wf: GuaranteeWorkflow, displayName: string) => nodesNamed(wf, displayName).filter((n) => n.phase !== 'Skipped');

/** A Rex push through the real event path, and the function's answer to it. */
async function pushAndRemediate(task: number): Promise<void> {
  const push = await sendRexPush(task);
  expect(push.status, push.body).toBe(200);
  const attempts = await untilOutcome('rex-push', push.delivery, 'remediated');
  expect(attempts.map((a) => a.outcome)).toEqual(['remediated']);
}

/**
 * Waits for `task`'s `n`th CodeRun of `role` (oldest first) to be taken up by the agents' side. Its phase
 * there is the last one it gave: a held run stays Running there even after rex-push deleted it.
 */
function nthRun(task: number, role: AgentRole, n: number): Promise<CodeRun> {
  return eventually(`${role} run #${n} of task ${task} taken up`, async () => {
    const run = (await agentRuns(task)).filter((r) => r.githubApp === CODERUN_APPS[role])[n - 1];
    return run?.phase ? run : undefined;
  }, 240_000);
}

// Concurrent: each test has its own tasks, plays, CodeRuns and held agents, and counts only its own task's
// CodeRuns, label removals and deliveries; none kills a process, changes the fake GitHub's mode or rotates a
// secret. Every push and hand-over lands where the play waits (a gate, or a held agent), so none is retried and
// none holds up the rex-push or labeled-ready-for-qa Sensor's trigger for the others. A few agents are held at
// once (two per test at most), well under the stack's 16 agent slots. Most of each test is waiting on its play's pods.
describe.skipIf(!stack().node || !stack().eventSourceUrl).concurrent('rex-push remediation against the real controller', () => {
  it('at wait-ready-for-qa and at wait-pr-approved: CodeRuns deleted, label removed, stage reset, gate decision=restart, QA restarts', async ({ onTestFinished }) => {
    const rest = kube();
    const task = uniqueTask();
    const other = uniqueTask();
    // Cleo's second and third runs (after each push) are held, so the restarted QA can be seen at work.
    await scriptAgent(task, 'cleo', ['Succeeded', 'hold', 'hold']);
    await scriptAgent(other, 'cleo', ['hold']); // another task's Cleo at work: her CodeRun must survive `task`'s pushes
    const [name, otherName] = await Promise.all([playAtCleo(rest, task), playAtCleo(rest, other)]);
    onTestFinished(() => deletePlay(rest, name));
    onTestFinished(() => deletePlay(rest, otherName));
    await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
    await nthRun(other, 'cleo', 1);
    const otherRuns = await codeRunNames(rest, other); // its Rex's, finished, and its Cleo's, running
    expect(otherRuns).toHaveLength(2);

    // What the play left behind: Rex's and Cleo's finished CodeRuns.
    const rexRun = (await nthRun(task, 'rex', 1)).name;
    const cleo1 = (await nthRun(task, 'cleo', 1)).name;
    expect(await codeRunNames(rest, task)).toEqual([rexRun, cleo1].sort());

    await pushAndRemediate(task);
    let names = await codeRunNames(rest, task);
    expect(names).toContain(rexRun);
    expect(names).not.toContain(cleo1);
    expect(await codeRunNames(rest, other)).toEqual(otherRuns);
    expect(await answeredRemovals(task)).toBe(1);
    await deletePlay(rest, otherName);

    const cleo2 = await nthRun(task, 'cleo', 2); // held: the restarted pass's stage step has run
    let wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('quality-in-progress');
    const gate = nodesNamed(wf, 'wait-ready-for-qa');
    expect(gate).toHaveLength(1);
    expect(gate[0]!.phase).toBe('Succeeded');
    expect(supplied(gate[0], 'decision')).toBe('restart');
    expect(nodesNamed(wf, 'agent-tess')).toHaveLength(0); // restarted, not continued

    // Second cycle to wait-pr-approved: Cleo hands over, Tess succeeds by herself; then Rex pushes again.
    await releaseAgent(cleo2.name, 'Succeeded');
    await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa', 2);
    await addReadyForQaLabel(task);
    expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
    await untilGate(rest, name, 'wait-pr-approved', 'waiting-pr-approved');
    const tessRun = (await nthRun(task, 'tess', 1)).name;
    expect(await codeRunNames(rest, task)).toEqual([rexRun, cleo2.name, tessRun].sort());
    await pushAndRemediate(task);
    names = await codeRunNames(rest, task);
    expect(names).toContain(rexRun);
    expect(names).not.toContain(cleo2.name);
    expect(names).not.toContain(tessRun);
    expect(await answeredRemovals(task)).toBe(2);

    const cleo3 = await nthRun(task, 'cleo', 3);
    expect(await codeRunNames(rest, task)).toContain(cleo3.name); // what the restarted QA created is left alone
    wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('quality-in-progress');
    const approvedGate = nodesNamed(wf, 'wait-pr-approved');
    expect(approvedGate).toHaveLength(1);
    expect(supplied(approvedGate[0], 'decision')).toBe('restart');
    expect(wf.status?.phase).toBe('Running');
  }, 900_000);

  it('while Cleo runs: her CodeRun is deleted, argoexec fails her step and the QA cycle restarts', async ({ onTestFinished }) => {
    const rest = kube();
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['hold', 'hold']);
    const name = await playAtCleo(rest, task);
    onTestFinished(() => deletePlay(rest, name));
    const rexRun = (await nthRun(task, 'rex', 1)).name;
    const cleo1 = (await nthRun(task, 'cleo', 1)).name;
    expect(await codeRunNames(rest, task)).toEqual([rexRun, cleo1].sort());

    await pushAndRemediate(task);
    const names = await codeRunNames(rest, task);
    expect(names).toContain(rexRun);
    expect(names).not.toContain(cleo1);
    expect(await answeredRemovals(task)).toBe(1);
    let wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('quality-in-progress');
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0); // no gate was active: nothing resumed
    expect(wf.metadata.annotations?.['handoff.dev/remediations']).toBeUndefined(); // the record is dropped once applied

    // The real system's part: argoexec finds the CodeRun gone and fails the step; restart-qa runs Cleo again.
    await nthRun(task, 'cleo', 2);
    wf = await readWorkflow(rest, name);
    const steps = nodesNamed(wf, 'agent-cleo');
    expect(steps).toHaveLength(2);
    expect(steps.filter((n) => n.phase === 'Failed')).toHaveLength(1); // the second is held (Pending or Running as the controller last saw its pod)
    expect(ran(wf, 'restart-qa')).toHaveLength(1);
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0);
    expect(stageOf(wf)).toBe('quality-in-progress');
    expect(wf.status?.phase).toBe('Running');
  }, 600_000);

  it('three Rex pushes in a row (at a gate, while Tess runs, while Cleo runs): QA restarts each time, the stage says Cleo works, her ready-for-qa is parked then applied, and the play completes', async ({ onTestFinished }) => {
    const rest = kube();
    const task = uniqueTask();
    // Cleo: 1 passes; 2 is held while her hand-over arrives; 3 is held until push 3 cancels it; 4 is held like 2.
    await scriptAgent(task, 'cleo', ['Succeeded', 'hold', 'hold', 'hold']);
    await scriptAgent(task, 'tess', ['hold']); // held until push 2 cancels it
    const name = await playAtCleo(rest, task);
    onTestFinished(() => deletePlay(rest, name));
    await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');

    // 1. At wait-ready-for-qa: decision=restart.
    await pushAndRemediate(task);
    const cleo2 = await nthRun(task, 'cleo', 2);
    expect(stageOf(await readWorkflow(rest, name))).toBe('quality-in-progress');
    // Cleo's hand-over while she works on the new commits: parked.
    const early = await sendReadyForQa(task);
    expect((await untilOutcome('labeled-ready-for-qa', early, 'parked')).map((a) => a.status)).toEqual([200]);
    await releaseAgent(cleo2.name, 'Succeeded');
    // The template reaches wait-ready-for-qa again; the re-drive applies the parked hand-over.
    await untilOutcome('labeled-ready-for-qa', early, 'resumed', 240_000);
    const tess1 = await nthRun(task, 'tess', 1);
    let wf = await readWorkflow(rest, name);
    expect(nodesNamed(wf, 'wait-ready-for-qa').map((n) => supplied(n, 'decision')).sort()).toEqual(['continue', 'restart']);
    expect(stageOf(wf)).toBe('testing-in-progress');

    // 2. While Tess runs: her CodeRun is cancelled, argoexec fails her step, QA restarts.
    await pushAndRemediate(task);
    expect(await codeRunNames(rest, task)).not.toContain(tess1.name);
    expect(await answeredRemovals(task)).toBe(2); // Cleo's second ready-for-qa
    expect(stageOf(await readWorkflow(rest, name))).toBe('quality-in-progress');
    const cleo3 = await nthRun(task, 'cleo', 3);
    wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('quality-in-progress');
    expect(nodesNamed(wf, 'agent-tess').map((n) => n.phase)).toEqual(['Failed']);

    // 3. While Cleo runs again: the same, through Cleo's step.
    await pushAndRemediate(task);
    expect(await codeRunNames(rest, task)).not.toContain(cleo3.name);
    const cleo4 = await nthRun(task, 'cleo', 4);
    expect(stageOf(await readWorkflow(rest, name))).toBe('quality-in-progress');
    expect(await answeredRemovals(task)).toBe(2); // no label left to remove

    // The fourth pass runs to the end: her hand-over parked, applied at the gate, Tess succeeds, Tess approves.
    const handOver = await sendReadyForQa(task);
    await untilOutcome('labeled-ready-for-qa', handOver, 'parked');
    await releaseAgent(cleo4.name, 'Succeeded');
    await untilGate(rest, name, 'wait-pr-approved', 'waiting-pr-approved');
    expect((await sendToEventSource('approved', task)).status).toBe(200);
    wf = await untilWorkflowPhase(rest, name, 'Succeeded', 180_000);
    expect(stageOf(wf)).toBe('completed');
    expect(nodesNamed(wf, 'wait-ready-for-qa').map((n) => supplied(n, 'decision')).sort()).toEqual(['continue', 'continue', 'restart']);
    expect(nodesNamed(wf, 'agent-cleo').map((n) => n.phase).sort()).toEqual(['Failed', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(nodesNamed(wf, 'agent-tess').map((n) => n.phase).sort()).toEqual(['Failed', 'Succeeded']);
    expect(ran(wf, 'restart-qa')).toHaveLength(3);
  }, 900_000);
});

/** Cleo labels the PR ready-for-qa (the fake GitHub keeps it) and GitHub sends the labeled event; returns its delivery. */
async function sendReadyForQa(task: number): Promise<string> {
  await addReadyForQaLabel(task);
  const delivery = await sendToEventSource('ready-for-qa', task);
  expect(delivery.status).toBe(200);
  return delivery.delivery;
}
