// `npm run play` as the README gives it: start a play for a task from the template installed in the
// stack, list the plays with their stage and the gate each one waits at, and walk one through a stage
// with `npm run send`. The template is the shipped one, as `npm start` installs it; Rex's CodeRun is
// held by the agents' side until the listing has shown the play at work.
import { describe, expect, it } from 'vitest';
import { readWorkflow, repository } from './guarantees/support';
import { deletePlay, releaseAgent, scriptAgent, untilAgentRun, untilGate } from './shipped-play';
import { kube, runSend, runStackScript, stack, uniqueTask } from './support';

describe.skipIf(!stack().eventSourceUrl)('npm run play starts and lists plays', () => {
  it('starts a play for a task from the installed template, lists it, and shows the stage npm run send moved it to', async () => {
    const task = uniqueTask();
    await scriptAgent(task, 'rex', ['hold']);
    await scriptAgent(task, 'cleo', ['hold']); // the play stays at quality-in-progress once sent on
    const started = await runStackScript('play', ['--task', String(task), '--repo', repository]);
    expect(started.code, `${started.stdout}\n${started.stderr}`).toBe(0);
    const name = /^started (play-\d+-\w+) for task (\d+)/.exec(started.stdout)?.[1];
    expect(name, started.stdout).toBeDefined();

    // The controller labels it from the template's workflowMetadata; the functions find it by those labels.
    const rex = await untilAgentRun(task, 'rex', 'Running');
    expect(rex.workflow).toBe(name);
    const wf = await readWorkflow(kube(), name!);
    expect(wf.metadata.labels).toMatchObject({ 'workflow-type': 'play-orchestration', 'task-id': String(task), repository: 'codertocat-hello-world', 'current-stage': 'implementation-in-progress' });

    // Rex at work: no gate waits yet.
    const listed = await runStackScript('play', ['list', '--task', String(task)]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`\\| ${name} +\\| ${task} +\\| implementation-in-progress +\\| Running +\\| - +\\|`));

    await releaseAgent(rex.name, 'Succeeded');
    await untilGate(kube(), name!, 'wait-pr-created', 'waiting-pr-created');
    const waiting = await runStackScript('play', ['list', '--task', String(task)]);
    expect(waiting.stdout).toMatch(new RegExp(`\\| ${name} +\\| ${task} +\\| waiting-pr-created +\\| Running +\\| wait-pr-created +\\|`));
    const sent = await runSend(['pr-opened', '--task', String(task), '--repo', repository]);
    expect(sent.code, `${sent.stdout}\n${sent.stderr}`).toBe(0);
    expect((await readWorkflow(kube(), name!)).metadata.labels?.['current-stage']).toBe('quality-in-progress');
    const after = await runStackScript('play', ['list', '--task', String(task)]);
    expect(after.stdout).toMatch(new RegExp(`\\| ${name} +\\| ${task} +\\| quality-in-progress +\\| Running +\\|`));
    await deletePlay(kube(), name!);
  });

  it('refuses a bad task or repository with a clear message and starts nothing', async () => {
    const task = uniqueTask();
    const badRepo = await runStackScript('play', ['--task', String(task), '--repo', 'no-slash']);
    expect(badRepo.code).toBe(1);
    expect(badRepo.stderr).toContain('play: --repo must be owner/name, not "no-slash"');
    const badTask = await runStackScript('play', ['--task', '$(id)']);
    expect(badTask.code).toBe(1);
    expect(badTask.stderr).toContain('play: --task must be a positive number, not "$(id)"');
    const listed = await runStackScript('play', ['list', '--task', String(task)]);
    expect(listed.stdout.trim()).toBe(`no play for task ${task}`);
    const usage = await runStackScript('play', []);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: npm run play --');
  });
});
