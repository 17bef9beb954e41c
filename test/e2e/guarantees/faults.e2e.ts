// Fault: GitHub fails during a rex-push remediation (500s, then a secondary rate limit). The function
// answers 503 (with Retry-After for the rate limit), writes no workflow, and GitHub's redelivery of
// the same event completes the remediation exactly once when GitHub recovers.
import { describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  codeRunNames, createCodeRun, kube, nodesNamed, playAgent, readWorkflow, sendRexPush, sendToEventSource, stack, stageOf, startOwnFunction,
  startRecordingGitHub, submitPodlessPlay, supplied, untilActive, untilGatePassed, type OwnFunction, type RecordingGitHub, playOpenedThroughEventSource, useOwnRexPush,
} from './support';

const own = useOwnRexPush();

describe('GitHub faults during remediation', () => {
  it.skipIf(!stack().eventSourceUrl)('500s, then a secondary rate limit: 503 and no workflow write; the redelivery remediates once', async () => {
    const rest = kube();
    const task = uniqueTask();
    const name = await playOpenedThroughEventSource(rest, task);
    await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa');
    await createCodeRun(rest, { task, app: '5DLabs-Cleo', workflow: name, phase: 'Succeeded' });
    const before = await readWorkflow(rest, name);

    own.github.mode = 'error500';
    const first = await sendRexPush(own.rexPush.url, task);
    expect(first.status, first.body).toBe(503);
    expect(JSON.parse(first.body).outcome).toBe('not-ready');
    expect((await readWorkflow(rest, name)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    own.github.mode = 'secondary-rate-limit';
    const second = await sendRexPush(own.rexPush.url, task, first.delivery, first.after);
    expect(second.status, second.body).toBe(503);
    expect(JSON.parse(second.body).reason).toMatch(/rate limit/i);
    expect((await readWorkflow(rest, name)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    own.github.mode = 'ok';
    const third = await sendRexPush(own.rexPush.url, task, first.delivery, first.after);
    expect(third.status, third.body).toBe(200);
    expect(JSON.parse(third.body).outcome).toBe('remediated');
    const fourth = await sendRexPush(own.rexPush.url, task, first.delivery, first.after);
    expect(fourth.status, fourth.body).toBe(200);
    expect(JSON.parse(fourth.body).outcome).toBe('duplicate');

    expect(await codeRunNames(rest, task)).toEqual([]);
    expect(own.github.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith('/labels/ready-for-qa'))).toHaveLength(1);
    const wf = await untilActive(rest, name, 'agent-cleo', 2);
    expect(stageOf(wf)).toBe('waiting-pr-created');
    const gate = nodesNamed(wf, 'wait-ready-for-qa');
    expect(gate.map((n) => [n.phase, supplied(n, 'decision')])).toEqual([['Succeeded', 'restart']]);
  });
});
