// The play template as shipped, run by the real workflow-controller with pods on the node: its
// stage steps are resource templates that argoexec runs in pods, its agents are CodeRuns that the
// stack's agents' side (test/fakes/coderun-agents.ts) completes, and its gates are resumed by the functions when signed
// GitHub webhooks arrive at the EventSource. Nothing in the workflow is simulated. Failures, remediations
// and the operator's path on the same template: test/e2e/guarantees (agent-failures, remediation, lifecycle).
import { describe, expect, it } from 'vitest';
import { agentRuns, submitPlay, untilStage } from '../shipped-play';
import { sendToEventSource, stageOf, untilWorkflowPhase } from '../guarantees/support';
import { kube, stack, uniqueTask } from '../support';

const needsPods = !stack().node || !stack().eventSourceUrl;

describe.skipIf(needsPods)('the shipped play template in pods', () => {
  it('runs from submission to completed through its own stage steps, driven only by GitHub events and the agents', async () => {
    const task = uniqueTask();
    const name = await submitPlay(kube(), task);

    // Rex's CodeRun succeeds; the template's own step moves the stage.
    await untilStage(kube(), name, 'waiting-pr-created');
    expect((await agentRuns(task)).map((r) => r.githubApp)).toEqual(['5DLabs-Rex']);
    expect((await sendToEventSource('pr-opened', task)).status).toBe(200);

    await untilStage(kube(), name, 'waiting-ready-for-qa');
    expect((await agentRuns(task)).map((r) => r.githubApp)).toEqual(['5DLabs-Rex', '5DLabs-Cleo']);
    expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);

    await untilStage(kube(), name, 'waiting-pr-approved');
    expect((await agentRuns(task)).map((r) => r.githubApp)).toEqual(['5DLabs-Rex', '5DLabs-Cleo', '5DLabs-Tess']);
    expect((await sendToEventSource('approved', task)).status).toBe(200);

    const done = await untilWorkflowPhase(kube(), name, 'Succeeded', 180_000);
    expect(stageOf(done)).toBe('completed');
    // Every stage step and agent ran as a pod that argoexec drove to Succeeded.
    const pods = Object.values(done.status?.nodes ?? {}).filter((n) => n.type === 'Pod');
    expect(pods.map((n) => n.displayName).sort()).toEqual(['agent-cleo', 'agent-rex', 'agent-tess', 'stage-completed', 'stage-quality-in-progress', 'stage-testing-in-progress', 'stage-waiting-pr-approved', 'stage-waiting-pr-created', 'stage-waiting-ready-for-qa'].sort());
    expect(pods.every((n) => n.phase === 'Succeeded')).toBe(true);
  }, 600_000);
});
