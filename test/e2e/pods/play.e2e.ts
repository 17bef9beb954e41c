// The play template as shipped, run by the real workflow-controller with pods on the node: its
// stage steps are resource templates that argoexec runs in pods, its agents are CodeRuns that the
// stack's agents' side (test/fakes/coderun-agents.ts) completes, and its gates are resumed by the functions when signed
// GitHub webhooks arrive at the EventSource. Nothing in the workflow is simulated.
import { describe, expect, it } from 'vitest';
import { agentRuns, scriptAgent, submitPlay, untilStage } from '../shipped-play';
import { addReadyForQaLabel, handledEvents, readWorkflow, sendRexPush, sendToEventSource, stageOf, untilWorkflowPhase } from '../guarantees/support';
import { eventually, kube, stack, uniqueTask } from '../support';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FAILURE_REASON_ANNOTATION } from '../../../shared/play';

const needsPods = !stack().node || !stack().eventSourceUrl;

/** From waiting-ready-for-qa: Cleo's label and Tess's approval as webhooks, until the play completes. */
async function finishQa(name: string, task: number) {
  await untilStage(kube(), name, 'waiting-ready-for-qa');
  expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
  await untilStage(kube(), name, 'waiting-pr-approved');
  expect((await sendToEventSource('approved', task)).status).toBe(200);
  const done = await untilWorkflowPhase(kube(), name, 'Succeeded', 180_000);
  expect(stageOf(done)).toBe('completed');
  return done;
}

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

  it('an agent failure restarts QA: Cleo fails once, runs again, and the play completes', async () => {
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['Failed', 'Succeeded']);
    const name = await submitPlay(kube(), task);
    await untilStage(kube(), name, 'waiting-pr-created');
    expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
    await untilStage(kube(), name, 'waiting-ready-for-qa');
    expect((await agentRuns(task)).map((r) => `${r.githubApp}:${r.phase}`)).toEqual(['5DLabs-Rex:Succeeded', '5DLabs-Cleo:Failed', '5DLabs-Cleo:Succeeded']);
    expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
    await untilStage(kube(), name, 'waiting-pr-approved');
    expect((await sendToEventSource('approved', task)).status).toBe(200);
    const done = await untilWorkflowPhase(kube(), name, 'Succeeded', 180_000);
    expect(stageOf(done)).toBe('completed');
    // The agent step reports the CodeRun's phase (its `phase` output); the failed pass was counted.
    const cleoPhases = Object.values(done.status?.nodes ?? {}).filter((n) => n.displayName === 'agent-cleo').map((n) => n.outputs?.parameters?.find((p) => p.name === 'phase')?.value);
    expect(cleoPhases.sort()).toEqual(['Failed', 'Succeeded']);
  }, 600_000);
  it('three Rex remediations in a row: each push restarts QA, Cleo reviews again, and the play completes', async () => {
    const task = uniqueTask();
    const name = await submitPlay(kube(), task);
    await untilStage(kube(), name, 'waiting-pr-created');
    expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
    await untilStage(kube(), name, 'waiting-ready-for-qa');
    for (let push = 1; push <= 3; push++) {
      await addReadyForQaLabel(task);
      const sent = await sendRexPush(task);
      expect(sent.status).toBe(200);
      // The label reaches waiting-ready-for-qa a moment before the gate waits: a push in between is
      // answered 503 and retried by the Sensor, so the outcome that counts is the last one.
      const handled = await eventually(`push ${push} of task ${task} remediated`, async () => {
        const events = await handledEvents('rex-push', task);
        return events.filter((e) => e.outcome === 'remediated').length >= push ? events : undefined;
      }, 180_000);
      expect(handled.filter((e) => e.outcome === 'remediated')).toHaveLength(push);
      // QA restarts: Cleo's next CodeRun is created and the template moves the stage back to waiting-ready-for-qa.
      await eventually(`Cleo run #${push + 1} of task ${task}`, async () => ((await agentRuns(task)).filter((r) => r.githubApp === '5DLabs-Cleo' && r.phase === 'Succeeded').length >= push + 1 ? true : undefined), 180_000);
      await untilStage(kube(), name, 'waiting-ready-for-qa');
    }
    const done = await finishQa(name, task);
    expect((await agentRuns(task)).map((r) => r.githubApp)).toEqual(['5DLabs-Rex', '5DLabs-Cleo', '5DLabs-Cleo', '5DLabs-Cleo', '5DLabs-Cleo', '5DLabs-Tess']);
  }, 900_000);

  it('Rex pushes while Cleo works: her CodeRun is deleted, argoexec fails the agent step, QA restarts and the play completes', async () => {
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['hold']);
    const name = await submitPlay(kube(), task);
    await untilStage(kube(), name, 'waiting-pr-created');
    expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
    const held = await eventually(`Cleo's CodeRun of task ${task} running`, async () => (await agentRuns(task)).find((r) => r.githubApp === '5DLabs-Cleo' && r.phase === 'Running'), 180_000);
    await untilStage(kube(), name, 'quality-in-progress');
    expect((await sendRexPush(task)).status).toBe(200);
    await eventually(`push of task ${task} remediated`, async () => ((await handledEvents('rex-push', task)).some((e) => e.outcome === 'remediated') ? true : undefined), 180_000);
    // The held CodeRun is gone; a new Cleo run is taken up and succeeds (the script is used up).
    await eventually(`Cleo's second run of task ${task}`, async () => ((await agentRuns(task)).filter((r) => r.githubApp === '5DLabs-Cleo' && r.name !== held.name && r.phase === 'Succeeded').length === 1 ? true : undefined), 180_000);
    expect((await kube().call('GET', `/apis/agents.platform/v1/namespaces/${stack().namespace}/coderuns/${held.name}`)).status).toBe(404);
    const done = await finishQa(name, task);
    // The cancelled pass's agent step failed in its pod (argoexec saw the CodeRun gone), the next one succeeded.
    const cleoSteps = Object.values(done.status?.nodes ?? {}).filter((n) => n.displayName === 'agent-cleo').map((n) => n.phase);
    expect(cleoSteps.sort()).toEqual(['Failed', 'Succeeded']);
  }, 900_000);

  it('past the agent-failure limit the play stops in stage failed with the reason; the operator resumes it and the stage step clears the reason', async () => {
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['Failed', 'Failed', 'Failed', 'Failed']);
    const name = await submitPlay(kube(), task);
    await untilStage(kube(), name, 'waiting-pr-created');
    expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
    const stopped = await untilStage(kube(), name, 'failed');
    expect(stopped.metadata.annotations?.[FAILURE_REASON_ANNOTATION]).toMatch(/cleo/);
    expect((await agentRuns(task)).filter((r) => r.githubApp === '5DLabs-Cleo').map((r) => r.phase)).toEqual(['Failed', 'Failed', 'Failed', 'Failed']);
    // The operator's resume, as docs/operations.md says: QA runs again (the script is used up: Cleo succeeds).
    const { argo, kubeconfig, namespace } = stack();
    await eventually(`${name} waits for the operator`, async () => (Object.values((await readWorkflow(kube(), name)).status?.nodes ?? {}).some((n) => n.displayName === 'wait-for-operator' && n.phase === 'Running') ? true : undefined), 120_000);
    await promisify(execFile)(argo, ['resume', name, '-n', namespace, '--node-field-selector', 'displayName=wait-for-operator'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
    const resumed = await untilStage(kube(), name, 'waiting-ready-for-qa');
    expect(resumed.metadata.annotations?.[FAILURE_REASON_ANNOTATION]).toBeUndefined();
  }, 900_000);
});
