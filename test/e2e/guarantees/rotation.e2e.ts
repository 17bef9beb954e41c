// Guarantee: the trigger token rotates under traffic with nothing lost, following docs/operations.md
// ("Rotating the trigger token"). The stack plays the kubelet: PUT /secrets/<name> updates the Secret and
// rewrites every volume of it atomically (dev/stack/functions/secret-volume.ts), the Sensors' (whole Secret, read on each
// call) and the functions' (the accepted-tokens key, re-read when it changes). As in a cluster, where each kubelet
// refreshes its pods' volumes on its own schedule, the functions get every change FUNCTION_LAG_MS after the
// Sensors: a procedure that lets the Sensors send a token before the functions accept it (one shared key, as
// before) gets 401s here. Afterwards the old token is refused by every function; the stack is then rotated back
// so the other files' direct calls keep working. The traffic is one pull_request.opened for each of TASKS plays
// of the shipped template, each taken to wait-pr-created by Rex's CodeRun; Cleo's CodeRun is held, so a resumed
// play stays at quality-in-progress until the test deletes it.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { secretRefs } from '../../../dev/stack/stack';
import { deletePlay, scriptAgent, submitPlay, untilGate } from '../shipped-play';
import { uniqueTask } from '../support';
import { appliedEvents, control, eventually, handledDelivery, kube, nodesNamed, readWorkflow, sendToEventSource, stack, untilGatePassed } from './support';

const TASKS = 10;
/** How much later than the Sensors' volumes the functions' volumes see a change. */
const FUNCTION_LAG_MS = 4_000;
const SEND_EVERY_MS = 1_500;
/** Each step holds at least this long, so the steady traffic lands in every phase. */
const PHASE_MS = 2_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const functions = ['pr-opened', 'labeled-ready-for-qa', 'approved', 'rex-push'] as const;
const tokenSecret = secretRefs.sensorTokenSecret.name;
if (secretRefs.acceptedTokensSecret.name !== tokenSecret) throw new Error('the test writes both keys in one Secret');

/** The Secret as the rotation steps leave it: what the Sensors send, and what the functions accept. */
const setTokens = (send: string, accept: readonly string[]) =>
  control('PUT', `/secrets/${tokenSecret}`, {
    data: { [secretRefs.sensorTokenSecret.key]: `Bearer ${send}`, [secretRefs.acceptedTokensSecret.key]: accept.map((t) => `${t}\n`).join('') },
    lagMs: { function: FUNCTION_LAG_MS },
  });

/** A direct call with `token` (marked as a probe, so its 401s are not counted as lost Sensor calls). */
async function probe(fn: string, token: string): Promise<number> {
  const res = await fetch(stack().functionUrls[fn as 'pr-opened']!, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'X-GitHub-Delivery': `probe-${randomBytes(4).toString('hex')}` },
    body: '{}',
  });
  await res.arrayBuffer();
  return res.status;
}

/** Waits until every function accepts (any answer but 401) or refuses (401) `token`: the propagation check. */
const untilEveryFunction = (token: string, accepted: boolean) =>
  eventually(`every function ${accepted ? 'accepts' : 'refuses'} the token`, async () => {
    const statuses = await Promise.all(functions.map((fn) => probe(fn, token)));
    return statuses.every((status) => (status !== 401) === accepted) ? statuses : undefined;
  }, 30_000);

/**
 * The same steps as docs/operations.md, with the harness's waits: the list, then the Sensors, then the list.
 * `reached` is told each state as soon as the Secret holds it.
 */
async function rotate(from: string, to: string, reached: (state: string) => Promise<void> = async () => {}) {
  await setTokens(from, [from, to]);
  await reached('list has both');
  await untilEveryFunction(to, true);
  await setTokens(to, [from, to]);
  await reached('sensors send the new token');
  await setTokens(to, [to]);
  await reached('old token removed');
  await untilEveryFunction(from, false);
}

const logFile = (name: string) => join(stack().logDir, `${name}.log`);
const sizeOf = async (file: string) => (await stat(file).catch(() => ({ size: 0 }))).size;
const appended = async (file: string, from: number) => (await readFile(file)).subarray(from).toString('utf8').split('\n');

// The shipped template is installed only with a node (global-setup.ts).
describe.skipIf(!stack().node || !stack().eventSourceUrl)('trigger token rotation under traffic', () => {
  const original = stack().triggerToken;
  const next = randomBytes(20).toString('hex');
  let rotated = false;
  const plays: string[] = [];

  afterAll(async () => {
    await Promise.all(plays.map((name) => deletePlay(kube(), name)));
    if (rotated) await rotate(next, original);
  });

  it('accepts every event exactly once while the token changes, then refuses the old token everywhere', async () => {
    const rest = kube();
    const tasks = Array.from({ length: TASKS }, () => uniqueTask());
    const names = await Promise.all(tasks.map(async (task) => {
      await scriptAgent(task, 'cleo', ['hold']);
      const name = await submitPlay(rest, task);
      plays.push(name);
      await untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created');
      return name;
    }));
    const functionLog = logFile('function-pr-opened');
    const sensorLog = logFile('sensor-handoff-pr-opened');
    const [functionFrom, sensorFrom] = [await sizeOf(functionLog), await sizeOf(sensorLog)];

    let phase = 'old token only';
    const sent: { task: number; delivery: string; phase: string }[] = [];
    let sending = true;
    const traffic = (async () => {
      for (const task of tasks) {
        const result = await sendToEventSource('pr-opened', task);
        expect(result.status, result.body).toBe(200);
        sent.push({ task, delivery: result.delivery, phase });
        await sleep(SEND_EVERY_MS);
      }
      sending = false;
    })();
    const reached = async (state: string) => {
      phase = state;
      await sleep(PHASE_MS);
    };
    await sleep(PHASE_MS);
    rotated = true;
    await rotate(original, next, reached);
    await traffic;
    expect(sending).toBe(false);
    const phases = sent.map((s) => s.phase);
    console.log(`[rotation] events sent per phase: ${JSON.stringify(phases)}`);
    expect(new Set(phases), 'steady traffic spans the rotation').toEqual(new Set(['old token only', 'list has both', 'sensors send the new token', 'old token removed']));

    // Nothing lost: every play passed its gate exactly once, recording its delivery exactly once.
    for (const [i, name] of names.entries()) {
      const wf = await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress');
      const delivery = sent.find((s) => s.task === tasks[i])!.delivery;
      expect(nodesNamed(wf, 'wait-pr-created').map((n) => n.phase)).toEqual(['Succeeded']);
      expect(appliedEvents(wf).filter((key) => key === delivery)).toHaveLength(1);
      const attempts = await handledDelivery('pr-opened', delivery);
      expect(attempts.filter((a) => a.outcome === 'resumed'), JSON.stringify(attempts)).toHaveLength(1);
    }
    const fresh = await readWorkflow(rest, names[0]!);
    expect(nodesNamed(fresh, 'wait-pr-created')).toHaveLength(1);

    // No Sensor call was refused on the way (the only 401s are this test's probes), and nothing dead-lettered.
    const refused = (await appended(functionLog, functionFrom)).filter((line) => line.includes('"outcome":"unauthorized"') && !line.includes('"deliveryId":"probe-'));
    expect(refused).toEqual([]);
    expect((await appended(sensorLog, sensorFrom)).filter((line) => line.includes('dead-letter-pr-opened'))).toEqual([]);

    // The old token is refused by every function, the new one accepted.
    expect(await Promise.all(functions.map((fn) => probe(fn, original)))).toEqual(functions.map(() => 401));
    expect((await Promise.all(functions.map((fn) => probe(fn, next)))).every((status) => status !== 401)).toBe(true);
  }, 600_000);
});
