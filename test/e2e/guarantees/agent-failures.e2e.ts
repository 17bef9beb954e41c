// Guarantee (issue 13 item 5): a failing agent restarts QA at most `max-agent-failures` times in a row
// (default 3), then the play stops at wait-for-operator (stage failed, the reason on the workflow) until
// an operator resumes it. What runs: the shipped play template in pods; the stack's agents' side ends
// the CodeRuns as each test scripts them (Failed, then Succeeded), the gates are resumed by signed
// GitHub webhooks, and the real workflow-controller evaluates the template's bound (its `when`
// expressions and the failure count it passes along). The operator's resume is `argo resume`.
import { describe, expect, it } from 'vitest';
import { CODERUN_APPS, FAILURE_REASON_ANNOTATION, type AgentRole } from '../../../shared/play';
import { uniqueTask } from '../support';
import { agentRuns, deletePlay, playAtCleo, scriptAgent, untilGate } from '../shipped-play';
import { addReadyForQaLabel, kube, nodesNamed, resumeNode, sendToEventSource, stack, type GuaranteeWorkflow } from './support';

/** The reason the stopped play records: the `give-up` step's argument, which mark-play-failed writes to the workflow. */
const reasonOf = (wf: GuaranteeWorkflow) =>
  (nodesNamed(wf, 'give-up').find((n) => n.phase === 'Running') as { inputs?: { parameters?: { name: string; value?: string }[] } } | undefined)?.inputs?.parameters?.find((p) => p.name === 'reason')?.value;
const ran = (wf: GuaranteeWorkflow, displayName: string) => nodesNamed(wf, displayName).filter((n) => n.phase !== 'Skipped');
/** The phase the agents' side gave each of `task`'s CodeRuns of `role`, oldest first. */
const phasesOf = async (task: number, role: AgentRole) => (await agentRuns(task)).filter((r) => r.githubApp === CODERUN_APPS[role]).map((r) => r.phase);

// Concurrent: each test has its own task, play and scripted agents; the failure count and its limit are its
// play's own (a template parameter), and the operator's resume names its play. Neither kills a process, changes
// the fake GitHub's mode or rotates a secret, and each sends its events only where its play waits. Most of each
// test is waiting on its play's pods (a QA pass is a stage step and an agent's pod).
describe.skipIf(!stack().node || !stack().eventSourceUrl).concurrent('agent failures are bounded', () => {
  it('Cleo failing: three QA retries (default limit), the fourth failure stops the play for an operator with the reason; resumed, QA runs again', async ({ onTestFinished }) => {
    const rest = kube();
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['Failed', 'Failed', 'Failed', 'Failed']);
    const name = await playAtCleo(rest, task);
    onTestFinished(() => deletePlay(rest, name));

    const wf = await untilGate(rest, name, 'wait-for-operator', 'failed', 1, 360_000);
    const reason = '4 cleo CodeRun failures in a row since the last Rex push (limit: max-agent-failures = 3 retries)';
    expect(reasonOf(wf)).toBe(reason);
    expect(wf.metadata.annotations?.[FAILURE_REASON_ANNOTATION]).toBe(reason);
    expect(ran(wf, 'retry-qa')).toHaveLength(3);
    expect(ran(wf, 'agent-cleo')).toHaveLength(4);
    expect(ran(wf, 'restart-qa')).toHaveLength(0);
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0);
    expect(await phasesOf(task, 'cleo')).toEqual(['Failed', 'Failed', 'Failed', 'Failed']);
    expect(wf.status?.phase).toBe('Running'); // stopped, not ended: nothing runs until an operator acts

    // The operator fixed the cause and resumes: QA runs again with the failure count reset (the script is used up: Cleo succeeds).
    await resumeNode(name, 'wait-for-operator');
    const resumed = await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
    expect(ran(resumed, 'operator-restart')).toHaveLength(1);
    expect(ran(resumed, 'agent-cleo')).toHaveLength(5);
    expect(resumed.metadata.annotations?.[FAILURE_REASON_ANNOTATION]).toBeUndefined(); // the stage step cleared it
  }, 600_000);

  it('the limit is the play\'s max-agent-failures parameter; Tess\'s failures count with Cleo\'s', async ({ onTestFinished }) => {
    const rest = kube();
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['Failed']); // failure 1: QA again, then Cleo passes
    await scriptAgent(task, 'tess', ['Failed']); // failure 2 > limit 1
    const name = await playAtCleo(rest, task, { 'max-agent-failures': '1' });
    onTestFinished(() => deletePlay(rest, name));

    await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
    await addReadyForQaLabel(task);
    expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
    const wf = await untilGate(rest, name, 'wait-for-operator', 'failed', 1, 360_000);
    const reason = '2 tess CodeRun failures in a row since the last Rex push (limit: max-agent-failures = 1 retries)';
    expect(reasonOf(wf)).toBe(reason);
    expect(wf.metadata.annotations?.[FAILURE_REASON_ANNOTATION]).toBe(reason);
    expect(ran(wf, 'retry-qa')).toHaveLength(1);
    expect(await phasesOf(task, 'cleo')).toEqual(['Failed', 'Succeeded']);
    expect(await phasesOf(task, 'tess')).toEqual(['Failed']);
  }, 600_000);
});
