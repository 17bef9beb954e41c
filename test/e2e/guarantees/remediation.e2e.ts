// Guarantee: a Rex push during QA cancels the QA CodeRuns, removes ready-for-qa, resets the stage and
// restarts the QA cycle, whether QA is waiting at a gate (decision=restart) or Cleo is running
// (her CodeRun deleted, the agent step fails, the template's restart-qa runs).
//
// The push goes to a rex-push function of this file's own (same bundle, same apiserver), pointed at a
// GitHub stand-in that has the task's PR: the harness's fake GitHub answers 404 to the pull-request
// listing, so through the shared Sensor rex-push would answer 503 until the dead-letter queue.
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  activeNode, codeRunNames, createCodeRun, kube, nodesNamed, playAgent, readWorkflow, sendRexPush, sendToEventSource, stack, stageOf,
  startOwnFunction, startRecordingGitHub, submitPodlessPlay, supplied, untilActive, untilGatePassed, eventually,
  type OwnFunction, type RecordingGitHub, playOpenedThroughEventSource, useOwnRexPush,
} from './support';

const own = useOwnRexPush();

const labelRemovals = (task: number) => own.github.requests.filter((r) => r.method === 'DELETE' && r.path === `/repos/Codertocat/Hello-World/issues/${(task % 100_000) + 1}/labels/ready-for-qa`).length;

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

    const first = await sendRexPush(own.rexPush.url, task);
    expect(first.status, first.body).toBe(200);
    expect(JSON.parse(first.body).outcome).toBe('remediated');
    expect(await codeRunNames(rest, task)).toEqual([rexRun]);
    expect(await codeRunNames(rest, other)).toEqual([otherRun]);
    expect(labelRemovals(task)).toBe(1);
    let wf = await untilActive(rest, name, 'agent-cleo', 2);
    expect(stageOf(wf)).toBe('waiting-pr-created');
    const gate = nodesNamed(wf, 'wait-ready-for-qa');
    expect(gate).toHaveLength(1);
    expect(gate[0]!.phase).toBe('Succeeded');
    expect(supplied(gate[0], 'decision')).toBe('restart');
    expect(nodesNamed(wf, 'agent-tess')).toHaveLength(0); // restarted, not continued

    // Second cycle to wait-pr-approved, then Rex pushes again.
    await finishAndReach(name, 2);
    const tessRun = await createCodeRun(rest, { task, app: '5DLabs-Tess', workflow: name, phase: 'Succeeded' });
    expect(await codeRunNames(rest, task)).toContain(tessRun);
    const second = await sendRexPush(own.rexPush.url, task);
    expect(second.status, second.body).toBe(200);
    expect(JSON.parse(second.body).outcome).toBe('remediated');
    expect(await codeRunNames(rest, task)).toEqual([rexRun]);
    expect(labelRemovals(task)).toBe(2);
    wf = await untilActive(rest, name, 'agent-cleo', 3);
    expect(stageOf(wf)).toBe('waiting-pr-created');
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

    const push = await sendRexPush(own.rexPush.url, task);
    expect(push.status, push.body).toBe(200);
    expect(JSON.parse(push.body).outcome).toBe('remediated');
    expect(await codeRunNames(rest, task)).toEqual([]);
    expect(labelRemovals(task)).toBe(1);
    let wf = await readWorkflow(rest, name);
    expect(stageOf(wf)).toBe('waiting-pr-created');
    expect(activeNode(wf, 'agent-cleo')).toBeDefined(); // no gate was active: nothing resumed

    // The controller's part: the resource step waiting on the deleted CodeRun fails.
    await failNode(name, 'agent-cleo');
    wf = await untilActive(rest, name, 'agent-cleo', 2);
    expect(nodesNamed(wf, 'agent-cleo').filter((n) => n.phase === 'Failed')).toHaveLength(1);
    expect(nodesNamed(wf, 'wait-ready-for-qa')).toHaveLength(0);
    expect(wf.status?.phase).toBe('Running');
  });
});

/** Cleo (cycle `n`) finishes, ready-for-qa through the real event path, Tess finishes: the play waits at wait-pr-approved. */
async function finishAndReach(name: string, n: number): Promise<void> {
  const rest = kube();
  const task = Number((await readWorkflow(rest, name)).metadata.labels?.['task-id']);
  await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa', n);
  expect((await sendToEventSource('ready-for-qa', task)).status).toBe(200);
  await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress', 2);
  await playAgent(rest, name, 'agent-tess', 'wait-pr-approved', 'waiting-pr-approved', 1);
}

/** Sets the active node `displayName` Failed with a workflow update, as a failed resource step would end. */
async function failNode(name: string, displayName: string): Promise<void> {
  const rest = kube();
  const { namespace } = stack();
  await eventually(`${displayName} of ${name} set Failed`, async () => {
    const wf = (await readWorkflow(rest, name)) as any;
    const node = Object.values(wf.status.nodes as Record<string, any>).find((n) => n.displayName === displayName && n.phase === 'Running');
    if (!node) throw new Error(`${displayName} not Running`);
    node.phase = 'Failed';
    node.message = 'CodeRun deleted (rex-push remediation)';
    node.finishedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const res = await rest.call('PUT', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows/${name}`, wf);
    return res.status === 200 ? true : undefined; // 409: the controller wrote first; read again
  }, 30_000);
}
