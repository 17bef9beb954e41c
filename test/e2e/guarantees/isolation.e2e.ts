// Guarantee: never resume the wrong task. E2E_ISOLATION_TASKS plays of the shipped template at once
// (same repository, same task-N-* branch pattern), their events sent through the real EventSource in
// random interleaving as each play's own stage steps reach its gates: every gate of every workflow is
// resumed by its own task's delivery, no other, and every task ends completed.
// CI runs 8 plays (the default): 24 events interleaved across 8 tasks, in about 3 minutes, since a
// play is 9 pods (3 agents, 6 stage steps) and the 2-core machine starts about 0.6 pods/s.
// E2E_ISOLATION_TASKS=100 runs the full 100 (about 25 minutes).
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../dev/stack/github/payloads';
import { deletePlay, submitPlay, untilGate } from '../shipped-play';
import { uniqueTask } from '../support';
import { appliedEvents, handledEvents, kube, nodesNamed, readWorkflow, sendToEventSource, stack, stageOf, untilWorkflowPhase } from './support';

const tasks = Number(process.env.E2E_ISOLATION_TASKS ?? 8);
const needsPods = !stack().node || !stack().eventSourceUrl;

/** At most `limit` of the callbacks run at once (each poll GETs a growing workflow; the pods share the 2 cores). */
function limiter(limit: number) {
  let running = 0;
  const queue: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((r) => queue.push(r));
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
      queue.shift()?.();
    }
  };
}

const jitter = () => new Promise((r) => setTimeout(r, Math.random() * 1500));

describe.skipIf(needsPods)('isolation between concurrent plays', () => {
  it(`${tasks} plays at once: zero cross-task resumes, every task completed`, async () => {
    const rest = kube();
    const limit = limiter(8);
    const ids = Array.from({ length: tasks }, () => uniqueTask());
    const started = Date.now();
    const names = await Promise.all(ids.map((task) => submitPlay(rest, task)));
    try {
      const sent = new Map<number, string[]>();
      const send = async (scenario: Scenario, task: number) => {
        await jitter();
        const result = await sendToEventSource(scenario, task);
        expect(result.status, result.body).toBe(200);
        sent.set(task, [...(sent.get(task) ?? []), result.delivery]);
      };
      // Every play advances at the pace of all of them (pods, the agents' semaphore), so a wait allows for all.
      const timeout = 240_000 + tasks * 15_000;
      await Promise.all(
        ids.map(async (task, i) => {
          const name = names[i]!;
          // Each gate is sent its event once the template's stage step has written the waiting stage and the gate waits.
          await limit(() => untilGate(rest, name, 'wait-pr-created', 'waiting-pr-created', 1, timeout));
          await send('pr-opened', task);
          await limit(() => untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa', 1, timeout));
          await send('ready-for-qa', task);
          await limit(() => untilGate(rest, name, 'wait-pr-approved', 'waiting-pr-approved', 1, timeout));
          await send('approved', task);
          await limit(() => untilWorkflowPhase(rest, name, 'Succeeded', timeout));
        }),
      );
      const seconds = Math.round((Date.now() - started) / 1000);

      const allSent = new Set([...sent.values()].flat());
      expect(allSent.size).toBe(tasks * 3);
      for (const [i, task] of ids.entries()) {
        const wf = await readWorkflow(rest, names[i]!);
        expect(stageOf(wf)).toBe('completed');
        for (const gate of ['wait-pr-created', 'wait-ready-for-qa', 'wait-pr-approved']) expect(nodesNamed(wf, gate).map((n) => n.phase), `${wf.metadata.name} ${gate}`).toEqual(['Succeeded']);
        // The workflow's record names exactly its own three deliveries and none of another task's.
        const applied = appliedEvents(wf).filter((k) => allSent.has(k));
        expect(applied.sort(), wf.metadata.name).toEqual([...sent.get(task)!].sort());
      }
      // Every resume each function logged for a task was on that task's own workflow.
      let resumes = 0;
      for (const fn of ['pr-opened', 'labeled-ready-for-qa', 'approved']) {
        for (const [i, task] of ids.entries()) {
          const resumed = (await handledEvents(fn, task)).filter((e) => e.outcome === 'resumed');
          expect(resumed.map((e) => e.workflow), `${fn} task ${task}`).toEqual([names[i]]);
          expect(sent.get(task)).toContain(resumed[0]!.deliveryId);
          resumes += resumed.length;
        }
      }
      expect(resumes).toBe(tasks * 3);
      console.log(`[isolation] ${tasks} plays, ${resumes} resumes, all completed in ${seconds} s`);
    } finally {
      await Promise.all(names.map((name) => deletePlay(rest, name)));
    }
  }, 600_000 + tasks * 30_000);
});
