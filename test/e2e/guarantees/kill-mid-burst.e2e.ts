// Kill anything, lose nothing. In the middle of a burst of pull_request.opened events for many tasks,
// one process of the event path is SIGKILLed (a crash, an OOM kill) and started again: the GitHub
// EventSource, the pr-opened Sensor, NATS (the JetStream bus), the workflow-controller, the pr-opened
// function. Every event the EventSource accepted (HTTP 200) must end applied exactly once (its task's
// gate resumed, the delivery recorded on the workflow) or in the dead-letter store. An event refused
// at the door (no 200: the EventSource or its bus down) is what GitHub lists as a failed delivery; it is
// redelivered after the restart as GitHub redelivers it, with the same X-GitHub-Delivery
// (offerToEventSource), and must then apply exactly once too. The plays are the shipped template's
// (stage steps and agents in pods), submitted while the case before runs and deleted once their case is done.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deletePlay, submitPlay, untilGate, untilStep } from '../shipped-play';
import { uniqueTask } from '../support';
import {
  appliedEvents, control, eventually, handledDelivery, kube, nodesNamed, offerToEventSource, readWorkflow, stack, stackProcesses,
  storedDeadLetters, type GuaranteeWorkflow,
} from './support';

/**
 * Events per burst, one play each brought to its first gate in pods (five times over: kept small). The kill
 * comes at the first applied event or at the latest when half the burst is out, so half of it or more is
 * sent after the kill.
 */
const TASKS = 6;
const needsPods = !stack().node || !stack().eventSourceUrl;
const GAP_MS = 120;
/** How long the killed process stays down before it is started again. */
const DOWN_MS = 3_000;
/** Generous: the Sensor redelivers an unacked message after JetStream's 30 s AckWait, and its retries back off. */
const SETTLE_MS = 240_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures { sent: number; refused: number; redelivered: number; applied: number; deadLettered: number; lost: number; doubled: number }

interface Plays { tasks: number[]; names: string[] }

/** TASKS new tasks, each with a submitted play (its pods start; it waits at wait-pr-created until its event). */
async function submitPlays(): Promise<Plays> {
  const tasks = Array.from({ length: TASKS }, () => uniqueTask());
  return { tasks, names: await Promise.all(tasks.map((task) => submitPlay(kube(), task))) };
}

/** Kills `target` in the middle of a burst of TASKS events to `plays`, starts it again, redelivers what was refused; counts every event's end. */
async function killMidBurst(target: string, plays: Promise<Plays>): Promise<Figures> {
  const rest = kube();
  expect((await stackProcesses()).map((p) => p.name)).toContain(target);
  const { tasks, names } = await plays;
  try {
    return await burstAndKill(target, tasks, names);
  } finally {
    await Promise.all(names.map((name) => deletePlay(rest, name)));
  }
}

/** The burst to the plays `names` (of `tasks`) once each waits at wait-pr-created, with `target` killed in the middle. */
async function burstAndKill(target: string, tasks: number[], names: string[]): Promise<Figures> {
  const rest = kube();
  await Promise.all(names.map((name) => untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created')));
  const deliveries: string[] = tasks.map(() => randomUUID()); // one X-GitHub-Delivery per event, kept by its redeliveries

  const accepted = new Set<string>();
  const refused = new Set<string>();
  const refusals = new Map<number, number>(); // status (0: no HTTP answer) -> count
  let offered = 0;
  const sending = (async () => {
    for (const [i, task] of tasks.entries()) {
      const answer = await offerToEventSource('pr-opened', task, deliveries[i]!);
      offered += 1;
      (answer.status === 200 ? accepted : refused).add(deliveries[i]!);
      if (answer.status !== 200) refusals.set(answer.status, (refusals.get(answer.status) ?? 0) + 1);
      await sleep(GAP_MS);
    }
  })();
  const resumed = async () => (await Promise.all(deliveries.map((d) => handledDelivery('pr-opened', d)))).filter((attempts) => attempts.some((a) => a.outcome === 'resumed')).length;
  // Mid-burst: once the first event is applied, or at the latest when half the burst is out.
  const burstStart = Date.now();
  while ((await resumed()) === 0 && offered < TASKS / 2 && Date.now() - burstStart < 60_000) await sleep(50);
  const at = { offered, accepted: accepted.size, applied: await resumed() };
  let restarted = false;
  try {
    await control('POST', `/processes/${target}/kill`);
    await sending;
    await sleep(DOWN_MS);
    await control('POST', `/processes/${target}/start`);
    restarted = true;
  } finally {
    if (!restarted && (await stackProcesses()).some((p) => p.name === target && !p.running)) await control('POST', `/processes/${target}/start`);
  }
  const restartedAt = Date.now();
  expect(at.offered, 'the kill came before the burst was out').toBeLessThan(TASKS);

  // GitHub's redelivery of each failed delivery, until the EventSource accepts it.
  const redelivered = new Set<string>();
  for (const delivery of refused) {
    const i = deliveries.indexOf(delivery);
    await eventually(`redelivery of ${delivery} accepted`, async () => ((await offerToEventSource('pr-opened', tasks[i]!, delivery)).status === 200 ? true : undefined), 120_000);
    redelivered.add(delivery);
  }

  const deadLettered = async () => new Set((await storedDeadLetters('pr-opened')).map((l) => l.deliveryId).filter((d): d is string => d !== undefined && deliveries.includes(d)));
  const appliedOn = async () => Promise.all(names.map((name) => readWorkflow(rest, name)));
  const isApplied = (wfs: GuaranteeWorkflow[], i: number) => appliedEvents(wfs[i]!).includes(deliveries[i]!);
  // Every event ends applied or dead-lettered; an event that does neither within SETTLE_MS is lost.
  await eventually('every event applied or dead-lettered', async () => {
    const [wfs, letters] = [await appliedOn(), await deadLettered()];
    return deliveries.every((d, i) => isApplied(wfs, i) || letters.has(d)) ? true : undefined;
  }, SETTLE_MS).catch(() => undefined);
  const settledMs = Date.now() - restartedAt;

  const [wfs, letters] = [await appliedOn(), await deadLettered()];
  const allApplied = wfs.flatMap((wf) => appliedEvents(wf));
  const attempts = await Promise.all(deliveries.map((d) => handledDelivery('pr-opened', d)));
  const doubled = deliveries.filter((d, i) =>
    allApplied.filter((k) => k === d).length > 1 // recorded twice, or on another task's workflow too
    || nodesNamed(wfs[i]!, 'wait-pr-created').filter((n) => n.phase === 'Succeeded').length > 1 // the gate resumed twice
    || attempts[i]!.filter((a) => a.outcome === 'resumed').length > 1); // two attempts each resumed
  const applied = deliveries.filter((_, i) => isApplied(wfs, i));
  const lost = deliveries.filter((d, i) => !isApplied(wfs, i) && !letters.has(d));
  const figures: Figures = { sent: accepted.size, refused: refused.size, redelivered: redelivered.size, applied: applied.length, deadLettered: letters.size, lost: lost.length, doubled: doubled.length };
  const answers = [...refusals].map(([status, count]) => `${count}x ${status || 'no answer'}`).join(', ') || 'none';
  const outcomes = attempts.map((a, i) => `${deliveries[i]!.slice(0, 8)}: ${a.map((x) => `${x.outcome}/${x.status}`).join(',') || '-'}`).join('; ');
  console.log(
    `[kill-mid-burst] ${target}: sent ${figures.sent}, refused at the door ${figures.refused} [${answers}] (redelivered, same X-GitHub-Delivery: ${figures.redelivered} accepted), `
    + `applied ${figures.applied}, dead-lettered ${figures.deadLettered}, lost ${figures.lost}, doubled ${figures.doubled}`
    + ` | killed after ${at.offered} offered, ${at.accepted} accepted, ${at.applied} applied; all settled ${(settledMs / 1000).toFixed(1)} s after the restart`,
  );
  expect(figures.sent + figures.redelivered, 'every event ends accepted').toBe(TASKS);
  expect(lost, `lost (${outcomes})`).toEqual([]);
  expect(doubled, `doubled (${outcomes})`).toEqual([]);
  expect(applied.filter((d) => letters.has(d)), 'applied and dead-lettered both').toEqual([]);
  // Nothing half-applied: the controller carries every resumed play on, through its stage step, to Cleo's step.
  await Promise.all(names.filter((_, i) => isApplied(wfs, i)).map((name) => untilStep(rest, name, 'agent-cleo')));
  return figures;
}

describe('kill anything mid-burst, lose nothing', () => {
  const cases: [string, string][] = [
    ['the GitHub EventSource', 'eventsource-github'],
    ['the pr-opened Sensor', 'sensor-handoff-pr-opened'],
    ['NATS (the JetStream bus)', 'nats-server'],
    ['the workflow-controller', 'workflow-controller'],
    ['the pr-opened function', 'function-pr-opened'],
  ];
  // Each case's plays are submitted while the case before it runs: until their event they only run their first
  // steps and wait at wait-pr-created, which no kill disturbs (a killed controller carries them on once back),
  // and each case counts only its own deliveries. Plays left by a failed case end with the file (end-plays.ts).
  const prepared = new Map<string, Promise<Plays>>();
  const prepare = (target: string) => {
    if (!prepared.has(target)) {
      const plays = submitPlays();
      plays.catch(() => undefined); // awaited by its own case, which reports a failure
      prepared.set(target, plays);
    }
    return prepared.get(target)!;
  };
  for (const [i, [title, target]] of cases.entries()) {
    it.skipIf(needsPods)(`${title} SIGKILLed during ${TASKS} tasks' pr-opened events and started again: each event applied once or dead-lettered`, async () => {
      const plays = prepare(target);
      const next = cases[i + 1];
      if (next) prepare(next[1]);
      await killMidBurst(target, plays);
    }, 480_000);
  }
});
