// `npm run send` as the README gives it: the EventSource's 200 only says the event is on the bus, so
// send follows the delivery to the function's answer and prints what it did (outcome, task, workflow
// and the play's stage, or the dead letter that keeps a refused event).
import { describe, expect, it } from 'vitest';
import { repository } from './guarantees/support';
import { deletePlay, playAtPrGate, scriptAgent } from './shipped-play';
import { kube, runSend, stack, uniqueTask } from './support';

describe.skipIf(!stack().eventSourceUrl)('npm run send follows its delivery to the function', () => {
  it('a task with a waiting play: prints the resume, the workflow and the stage it moved to; exit 0', async () => {
    const task = uniqueTask();
    await scriptAgent(task, 'cleo', ['hold']); // the play stays at quality-in-progress after the resume
    const name = await playAtPrGate(kube(), task);
    const sent = await runSend(['pr-opened', '--task', String(task), '--repo', repository]);
    expect(sent.code, `${sent.stdout}\n${sent.stderr}`).toBe(0);
    expect(sent.stdout).toMatch(/^pull_request → http:\/\/\S+: HTTP 200 \(delivery [0-9a-f-]{36}\)/);
    expect(sent.stdout).toContain(`  pr-opened answered 200 resumed, task ${task}, workflow ${name} (stage now quality-in-progress)`);
    await deletePlay(kube(), name);
  });

  it('a task with no play: prints the 404 and the dead letter that keeps the event; exit 1', async () => {
    const task = uniqueTask();
    const sent = await runSend(['pr-opened', '--task', String(task), '--repo', repository]);
    expect(sent.code, `${sent.stdout}\n${sent.stderr}`).toBe(1);
    expect(sent.stdout).toMatch(new RegExp(`  pr-opened answered 404 no-workflow, task ${task}: .*; kept as dead letter (\\S+) \\(npm run dead-letters -- show \\1\\)`));
  });
});
