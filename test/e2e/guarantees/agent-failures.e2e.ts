// Guarantee (issue 13 item 5): a failing agent restarts QA at most `max-agent-failures` times in a row
// (default 3), then the play stops at wait-for-operator (stage failed, the reason on the workflow: pod
// steps in the real template, dropped here) until an operator resumes it. The real workflow-controller
// evaluates the template's bound (its `when` expressions and the failure count it passes along); the
// podless agents report their CodeRun's phase as the real step's `phase` output would.
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  addReadyForQaLabel, finishAgent, kube, resumeNode, nodesNamed, playAgent, playOpenedThroughEventSource, sendToEventSource, stack, untilActive, untilGatePassed,
  type GuaranteeWorkflow,
} from './support';

/** The reason the stopped play records (the `give-up` step's argument, which mark-play-failed writes to the workflow). */
const reasonOf = (wf: GuaranteeWorkflow) =>
  (nodesNamed(wf, 'give-up').find((n) => n.phase === 'Running') as { inputs?: { parameters?: { name: string; value?: string }[] } } | undefined)?.inputs?.parameters?.find((p) => p.name === 'reason')?.value;
const ran = (wf: GuaranteeWorkflow, displayName: string) => nodesNamed(wf, displayName).filter((n) => n.phase !== 'Skipped');

describe('agent failures are bounded', () => {
  it.skipIf(!stack().eventSourceUrl)('Cleo failing: three QA retries (default limit), the fourth failure stops the play for an operator with the reason; resumed, QA runs again', async () => {
    const rest = kube();
    const name = await playOpenedThroughEventSource(rest, uniqueTask());
    for (let failure = 1; failure <= 4; failure += 1) {
      await untilActive(rest, name, 'agent-cleo', failure);
      await finishAgent(name, 'agent-cleo', 'Failed');
    }
    const wf = await untilActive(rest, name, 'wait-for-operator', 1);
    expect(reasonOf(wf)).toBe('4 cleo CodeRun failures in a row since the last Rex push (limit: max-agent-failures = 3 retries)');
    expect(ran(wf, 'retry-qa')).toHaveLength(3);
    expect(ran(wf, 'agent-cleo')).toHaveLength(4);
    expect(ran(wf, 'restart-qa')).toHaveLength(0);
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0);

    expect(wf.status?.phase).toBe('Running'); // stopped, not ended: nothing runs until an operator acts

    // The operator fixed the cause and resumes: QA runs again with the failure count reset.
    await resumeNode(name, 'wait-for-operator');
    const resumed = await untilActive(rest, name, 'agent-cleo', 5);
    expect(ran(resumed, 'operator-restart')).toHaveLength(1);
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa', 1);
  }, 300_000);

  it.skipIf(!stack().eventSourceUrl)('the limit is the play\'s max-agent-failures parameter; Tess\'s failures count with Cleo\'s', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await playOpenedThroughEventSource(rest, task, { 'max-agent-failures': '1' });
    await untilActive(rest, name, 'agent-cleo', 1);
    await finishAgent(name, 'agent-cleo', 'Failed'); // failure 1: QA again
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa', 2, 1); // Cleo passes on her second run
    await addReadyForQaLabel(task);
    expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
    await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress');
    await untilActive(rest, name, 'agent-tess', 1);
    await finishAgent(name, 'agent-tess', 'Failed'); // failure 2 > limit 1
    const wf = await untilActive(rest, name, 'wait-for-operator', 1);
    expect(reasonOf(wf)).toBe('2 tess CodeRun failures in a row since the last Rex push (limit: max-agent-failures = 1 retries)');
  }, 300_000);
});
