// Guarantee (issue 13 item 5): a failing agent restarts QA at most `max-agent-failures` times in a row
// (default 3), then the play gives up in play-failed with the reason. The real workflow-controller
// evaluates the template's bound (its `when` expressions and the failure count it passes along); the
// podless agents report their CodeRun's phase as the real step's `phase` output would.
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  activeNode, addReadyForQaLabel, finishAgent, kube, nodesNamed, playAgent, playOpenedThroughEventSource, readWorkflow, sendToEventSource, stack, untilActive, untilGatePassed,
  type GuaranteeWorkflow,
} from './support';

const limitReached = (wf: GuaranteeWorkflow) => activeNode(wf, 'give-up');
const reasonOf = (wf: GuaranteeWorkflow) => (limitReached(wf) as { inputs?: { parameters?: { name: string; value?: string }[] } } | undefined)?.inputs?.parameters?.find((p) => p.name === 'reason')?.value;
const ran = (wf: GuaranteeWorkflow, displayName: string) => nodesNamed(wf, displayName).filter((n) => n.phase !== 'Skipped');

describe('agent failures are bounded', () => {
  it.skipIf(!stack().eventSourceUrl)('Cleo failing: three QA retries (default limit), the fourth failure ends in play-failed with the reason', async () => {
    const rest = kube();
    const name = await playOpenedThroughEventSource(rest, uniqueTask());
    for (let failure = 1; failure <= 4; failure += 1) {
      await untilActive(rest, name, 'agent-cleo', failure);
      await finishAgent(name, 'agent-cleo', 'Failed');
    }
    const wf = await untilActive(rest, name, 'give-up', 1);
    expect(reasonOf(wf)).toBe('4 cleo CodeRun failures in a row since the last Rex push (limit: max-agent-failures = 3 retries)');
    expect(ran(wf, 'retry-qa')).toHaveLength(3);
    expect(ran(wf, 'agent-cleo')).toHaveLength(4);
    expect(ran(wf, 'restart-qa')).toHaveLength(0);
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0);
  }, 300_000);

  it.skipIf(!stack().eventSourceUrl)('the limit is the play\'s max-agent-failures parameter; Tess\'s failures count with Cleo\'s', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await playOpenedThroughEventSource(rest, task, { 'max-agent-failures': '1' });
    await untilActive(rest, name, 'agent-cleo', 1);
    await finishAgent(name, 'agent-cleo', 'Failed'); // failure 1: QA again
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa', 2); // Cleo passes
    await addReadyForQaLabel(task);
    expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
    await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress');
    await untilActive(rest, name, 'agent-tess', 1);
    await finishAgent(name, 'agent-tess', 'Failed'); // failure 2 > limit 1
    const wf = await untilActive(rest, name, 'give-up', 1);
    expect(reasonOf(wf)).toBe('2 tess CodeRun failures in a row since the last Rex push (limit: max-agent-failures = 1 retries)');
    expect((await readWorkflow(rest, name)).status?.phase).toBe('Running'); // play-failed (a pod step in the real template) has not run yet
  }, 300_000);
});
