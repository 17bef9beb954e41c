// Guarantee: never resume the wrong task. E2E_ISOLATION_TASKS play workflows at once, their events
// sent through the real EventSource in random interleaving: every gate of every workflow is resumed
// by its own task's delivery, no other, and every task ends completed.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../../harness/payloads';
import { uniqueTask } from '../support';
import {
  appliedEvents, handledEvents, kube, nodesNamed, playAgent, readWorkflow, sendToEventSource, stack, stageOf, submitPodlessPlay, untilGatePassed,
  untilWorkflowPhase,
} from './support';

const tasks = Number(process.env.E2E_ISOLATION_TASKS ?? 100);

/** At most `limit` of the callbacks run at once (the argo CLI and the controller share 2 cores). */
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

describe('isolation between concurrent plays', () => {
  it.skipIf(!stack().eventSourceUrl)(`${tasks} plays at once: zero cross-task resumes, every task completed`, async () => {
    const rest = kube();
    const limit = limiter(8);
    const ids = Array.from({ length: tasks }, () => uniqueTask());
    const started = Date.now();
    const names = await Promise.all(ids.map((task) => limit(() => submitPodlessPlay(rest, task))));
    const sent = new Map<number, string[]>();

    const send = async (scenario: Scenario, task: number) => {
      await jitter();
      const result = await sendToEventSource(scenario, task);
      expect(result.status, result.body).toBe(200);
      sent.set(task, [...(sent.get(task) ?? []), result.delivery]);
    };
    const timeout = 120_000 + tasks * 3_000;
    await Promise.all(
      ids.map(async (task, i) => {
        const name = names[i]!;
        await limit(() => playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created'));
        await send('pr-opened', task);
        await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress', 1, timeout);
        await limit(() => playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa'));
        await send('ready-for-qa', task);
        await untilGatePassed(rest, name, 'wait-ready-for-qa', 'testing-in-progress', 1, timeout);
        await limit(() => playAgent(rest, name, 'agent-tess', 'wait-pr-approved', 'waiting-pr-approved'));
        await send('approved', task);
        await untilGatePassed(rest, name, 'wait-pr-approved', 'completed', 1, timeout);
        await untilWorkflowPhase(rest, name, 'Succeeded', timeout);
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
  }, 1_200_000);
});
