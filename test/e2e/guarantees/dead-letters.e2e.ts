// Guarantee: an event no retry can apply holds nobody up and is kept. A permanently refused event (no workflow
// for its task: 404) ends its Sensor attempt at once (the policy accepts the permanent statuses), is kept by the
// function as a dead letter (a Secret, shared/dead-letters) with its answer and exact request, and the events
// behind it for other tasks apply on their first attempt instead of after the retries a 404 used to get (about
// 4.5 min as shipped; 127 s of sleeps with the e2e stack's shorter retries, stack().sensorRetries). The plays are the shipped template's, taken to wait-pr-created by Rex's CodeRun; Cleo's CodeRun is held,
// so a play that pull_request.opened resumed stays at quality-in-progress until the test deletes it.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { KubeRest } from '../../../dev/stack/kube-rest';
import { repoRoot } from '../../../dev/stack/binaries/versions';
import { retryWindowSeconds } from '../../../manifests/sensor-retries';
import { deletePlay, scriptAgent, submitPlay, untilGate } from '../shipped-play';
import { uniqueTask } from '../support';
import { appliedEvents, handledDelivery, kube, readWorkflow, sendToEventSource, stack, storedDeadLetters, untilDeadLettered, untilGatePassed } from './support';

const run = promisify(execFile);

const GOOD = 3;

// The shipped template is installed only with a node (global-setup.ts).
const noShippedPlays = !stack().node || !stack().eventSourceUrl;

/** A shipped play of `task` (added to `plays`, for deletion) waiting at wait-pr-created; once resumed, Cleo's CodeRun is held. */
async function playWaitingForPr(rest: KubeRest, task: number, plays: string[]): Promise<string> {
  await scriptAgent(task, 'cleo', ['hold']);
  const name = await submitPlay(rest, task);
  plays.push(name);
  await untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created');
  return name;
}

// The two describes run concurrently: each has its own tasks, plays and dead letters (found by delivery ID or
// letter ID, never counted across the store), every event of either settles on its first attempt (a 404 or a
// resume: none is retried in front of the other's), and neither kills a process, changes the fake GitHub's mode
// or rotates a secret. Most of each is waiting on its plays' pods and the CLI's start.
describe.concurrent('a permanent refusal does not block the function queue', () => {
  it.skipIf(noShippedPlays)('a pull_request.opened for a task without a play is dead-lettered at once; the next tasks resume on their first attempt', async () => {
    const rest = kube();
    const tasks = Array.from({ length: GOOD }, () => uniqueTask());
    const plays: string[] = [];
    try {
      const waiting = await Promise.all(tasks.map((task) => playWaitingForPr(rest, task, plays)));
      const orphan = uniqueTask(); // no play workflow: 404 no-workflow, which no retry changes
      const sent = Date.now();
      const bad = await sendToEventSource('pr-opened', orphan);
      expect(bad.status, bad.body).toBe(200);
      const good = [];
      for (const task of tasks) good.push(await sendToEventSource('pr-opened', task)); // queued behind the bad one, in order

      // A queue held by the 404's retries would apply these only after the retries' sleeps: these waits allow half that.
      const withinMs = (retryWindowSeconds(stack().sensorRetries!) * 1000) / 2;
      const passed = await Promise.all(waiting.map(async (name) => {
        await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, withinMs);
        return Date.now() - sent;
      }));
      console.log(`[dead-letters] ${GOOD} events behind a 404 applied after ${passed.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`);
      for (const delivery of good) expect((await handledDelivery('pr-opened', delivery.delivery)).map((a) => a.outcome)).toEqual(['resumed']);

      const letter = await untilDeadLettered('pr-opened', bad.delivery);
      expect(letter).toMatchObject({ function: 'pr-opened', route: '/', status: 404, outcome: 'no-workflow' });
      expect(letter.reason).toMatch(/no play workflow for this task/);
      const request = JSON.parse(letter.request!) as { headers: Record<string, string[]>; body: { pull_request: { head: { ref: string } } } };
      expect(request.headers['X-Github-Delivery']).toEqual([bad.delivery]);
      expect(request.body.pull_request.head.ref).toMatch(new RegExp(`^task-${orphan}-`));
      // Exactly one attempt: no retry (what would hold the queue), and no dead-letter call either (the attempt was accepted).
      expect((await handledDelivery('pr-opened', bad.delivery)).map((a) => [a.outcome, a.status])).toEqual([['no-workflow', 404]]);
    } finally {
      await Promise.all(plays.map((name) => deletePlay(rest, name)));
    }
  }, 480_000);
});

/** `npm run dead-letters -- …` against the stack's apiserver and functions, as an operator runs it. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { kubeconfig, namespace, functionUrls, triggerToken } = stack();
  const dir = await mkdtemp(join(tmpdir(), 'dead-letters-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, `Bearer ${triggerToken}\n`, { mode: 0o600 });
  const urls = Object.entries(functionUrls).flatMap(([fn, url]) => ['--url', `${fn}=${url}`]);
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'dev/scripts/dead-letters.ts', ...args, '--kubeconfig', kubeconfig, '--namespace', namespace, '--token-file', tokenFile, ...urls], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe.concurrent('dead letters through the CLI', () => {
  it.skipIf(noShippedPlays)('list, show, a replay refused again, a replay that resumes, a replay of an applied event (duplicate), drop', async () => {
    const rest = kube();
    const plays: string[] = [];
    try {
      await replayThroughTheCli(rest, plays);
    } finally {
      await Promise.all(plays.map((name) => deletePlay(rest, name)));
    }
  }, 600_000);
});

/** The CLI test's steps; the plays it starts are pushed to `plays` for the caller to delete. */
async function replayThroughTheCli(rest: KubeRest, plays: string[]): Promise<void> {
  const [a, b] = [uniqueTask(), uniqueTask()]; // no play yet for either: both dead-lettered as 404
  const first = await sendToEventSource('pr-opened', a);
  const second = await sendToEventSource('pr-opened', b);
  const letterA = await untilDeadLettered('pr-opened', first.delivery);
  const letterB = await untilDeadLettered('pr-opened', second.delivery);

  const list = await cli('list', '--function', 'pr-opened');
  expect(list.code, list.stderr).toBe(0);
  const lines = list.stdout.trimEnd().split('\n');
  const line = lines.find((l) => l.startsWith(`${letterA.id}\t`));
  expect(line, `${lines.length} lines, ${list.stdout.length} bytes; the last: ${lines.at(-1)}`).toMatch(new RegExp(`^${letterA.id}\tpr-opened\t${first.delivery}\t404\tno-workflow\t`));
  const listed = JSON.parse((await cli('list', '--function', 'pr-opened', '--json')).stdout) as { id: string; request?: string }[];
  expect(listed.find((l) => l.id === letterB.id)).toMatchObject({ id: letterB.id });
  expect(listed.every((l) => l.request === undefined)).toBe(true); // the summary leaves requests out
  const show = await cli('show', first.delivery);
  expect(show.code, show.stderr).toBe(0);
  expect(JSON.parse(show.stdout)).toMatchObject({ id: letterA.id, status: 404, request: { headers: { 'X-Github-Delivery': [first.delivery] } } });

  // Still no play: refused again, kept.
  const refused = await cli('replay', letterA.id);
  expect(refused.code).toBe(1);
  expect(refused.stdout).toMatch(/refused again: 404 no-workflow/);
  expect((await storedDeadLetters('pr-opened')).map((l) => l.id)).toContain(letterA.id);

  // The plays exist now. A: the replay resumes it, and the dead letter is dropped.
  const [playA, playB] = await Promise.all([playWaitingForPr(rest, a, plays), playWaitingForPr(rest, b, plays)]);
  const replayed = await cli('replay', first.delivery);
  expect(replayed.code, replayed.stdout + replayed.stderr).toBe(0);
  expect(replayed.stdout).toContain(`${letterA.id}\tsettled: 200 resumed; dropped`);
  const wfA = await untilGatePassed(rest, playA, 'wait-pr-created', 'quality-in-progress');
  expect(appliedEvents(wfA)).toEqual([first.delivery]);

  // B: GitHub redelivers it (same delivery ID) and it applies; the replay then finds it applied: duplicate.
  expect((await sendToEventSource('pr-opened', b, second.delivery)).status).toBe(200);
  await untilGatePassed(rest, playB, 'wait-pr-created', 'quality-in-progress');
  const duplicate = await cli('replay', letterB.id);
  expect(duplicate.code, duplicate.stdout + duplicate.stderr).toBe(0);
  expect(duplicate.stdout).toContain(`${letterB.id}\tsettled: 200 duplicate; dropped`);
  expect(appliedEvents(await readWorkflow(rest, playB)).filter((k) => k === second.delivery)).toHaveLength(1);

  const remaining = (await storedDeadLetters('pr-opened')).map((l) => l.id);
  expect(remaining).not.toContain(letterA.id);
  expect(remaining).not.toContain(letterB.id);

  // drop: a third one, dropped unreplayed.
  const third = await sendToEventSource('pr-opened', uniqueTask());
  const letterC = await untilDeadLettered('pr-opened', third.delivery);
  expect((await cli('drop', letterC.id)).stdout).toContain(`dropped ${letterC.id}`);
  expect((await storedDeadLetters('pr-opened')).map((l) => l.id)).not.toContain(letterC.id);
}
