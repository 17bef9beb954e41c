// Faults injected into the running stack (harness/control-server.ts): GitHub failing during a
// rex-push remediation, the rex-push process killed mid-remediation, and the kube-apiserver killed
// in the middle of a burst of events. Every event goes through the real EventSource and Sensor,
// whose retries redeliver it. Afterwards no task is lost and none is left half-applied.
import { afterEach, describe, expect, it } from 'vitest';
import { uniqueTask } from '../support';
import {
  appliedEvents, codeRunNames, control, createCodeRun, eventually, handledDelivery, kube, labelRemovals, nodesNamed, playAgent,
  playOpenedThroughEventSource, readWorkflow, sendRexPush, sendToEventSource, setGitHubMode, stack, stageOf, submitPodlessPlay, supplied,
  untilActive, untilGatePassed, untilOutcome,
} from './support';

afterEach(async () => {
  await setGitHubMode('ok');
});

/** A play waiting at wait-ready-for-qa with Rex's and Cleo's finished CodeRuns; returns Rex's. */
async function playAtReadyForQa(task: number): Promise<{ name: string; rexRun: string; resourceVersion?: string }> {
  const rest = kube();
  const name = await playOpenedThroughEventSource(rest, task);
  await playAgent(rest, name, 'agent-cleo', 'wait-ready-for-qa', 'waiting-ready-for-qa');
  const rexRun = await createCodeRun(rest, { task, app: '5DLabs-Rex', workflow: name, phase: 'Succeeded' });
  await createCodeRun(rest, { task, app: '5DLabs-Cleo', workflow: name, phase: 'Succeeded' });
  return { name, rexRun, resourceVersion: (await readWorkflow(rest, name)).metadata.resourceVersion };
}

/** The remediation happened once: QA CodeRuns gone, QA restarted (Cleo works: quality-in-progress), the gate resumed once with decision=restart. */
async function expectRemediatedOnce(name: string, task: number, rexRun: string): Promise<void> {
  const rest = kube();
  expect(await codeRunNames(rest, task)).toEqual([rexRun]);
  const wf = await untilActive(rest, name, 'agent-cleo', 2);
  expect(stageOf(wf)).toBe('quality-in-progress');
  expect(nodesNamed(wf, 'wait-ready-for-qa').map((n) => [n.phase, supplied(n, 'decision')])).toEqual([['Succeeded', 'restart']]);
}

describe('GitHub faults during remediation', () => {
  it.skipIf(!stack().eventSourceUrl)('500s, then a secondary rate limit: 503 and no workflow write; the Sensor retry remediates once GitHub recovers', async () => {
    const rest = kube();
    const task = uniqueTask();
    const { name, rexRun, resourceVersion } = await playAtReadyForQa(task);

    await setGitHubMode('error500');
    const push = await sendRexPush(task);
    expect(push.status, push.body).toBe(200);
    const failed = await untilOutcome('rex-push', push.delivery, 'not-ready');
    expect(failed.every((a) => a.status === 503)).toBe(true);
    expect((await readWorkflow(rest, name)).metadata.resourceVersion).toBe(resourceVersion);

    await setGitHubMode('secondary-rate-limit');
    await eventually('a rate-limited attempt', async () => ((await handledDelivery('rex-push', push.delivery)).some((a) => a.status === 503 && /rate limit/i.test(a.reason ?? '')) ? true : undefined), 90_000);
    expect((await readWorkflow(rest, name)).metadata.resourceVersion).toBe(resourceVersion);

    await setGitHubMode('ok');
    const attempts = await untilOutcome('rex-push', push.delivery, 'remediated', 180_000);
    expect(attempts.filter((a) => a.outcome === 'remediated')).toHaveLength(1);
    expect(attempts.filter((a) => a.outcome !== 'remediated').every((a) => a.status === 503)).toBe(true);
    expect((await labelRemovals(task)).filter((r) => r.status === 200)).toHaveLength(1);
    await expectRemediatedOnce(name, task, rexRun);
  }, 300_000);
});

describe('a function process killed mid-remediation', () => {
  it.skipIf(!stack().eventSourceUrl)('rex-push dies after deleting the CodeRuns, before the resume: the Sensor redelivers and the remediation completes once', async () => {
    const rest = kube();
    const task = uniqueTask();
    const { name, rexRun, resourceVersion } = await playAtReadyForQa(task);

    // GitHub applies the label removal but the answer never comes: the function is stuck mid-way.
    await setGitHubMode('stall-label-removal');
    const push = await sendRexPush(task);
    expect(push.status, push.body).toBe(200);
    await eventually('the label removal reached GitHub', async () => ((await labelRemovals(task)).length > 0 ? true : undefined), 60_000);

    // Half-applied: the CodeRuns are gone, the workflow is untouched.
    expect(await codeRunNames(rest, task)).toEqual([rexRun]);
    const half = await readWorkflow(rest, name);
    expect(half.metadata.resourceVersion).toBe(resourceVersion);
    expect(stageOf(half)).toBe('waiting-ready-for-qa');

    await control('POST', '/processes/function-rex-push/kill');
    await setGitHubMode('ok');
    expect(await handledDelivery('rex-push', push.delivery)).toEqual([]); // it died before answering
    await control('POST', '/processes/function-rex-push/start');

    const attempts = await untilOutcome('rex-push', push.delivery, 'remediated', 180_000);
    expect(attempts.filter((a) => a.outcome === 'remediated')).toHaveLength(1);
    // The redelivery found the label already gone (GitHub applied the stalled removal) and did not remove it again.
    expect(await labelRemovals(task)).toHaveLength(1);
    await expectRemediatedOnce(name, task, rexRun);
  }, 300_000);
});

describe('kube-apiserver killed in the middle of a burst', () => {
  const tasks = 12;

  it.skipIf(!stack().eventSourceUrl)(`${tasks} pr-opened events, the apiserver killed after the first resume: every task resumed exactly once`, async () => {
    const rest = kube();
    const ids = Array.from({ length: tasks }, () => uniqueTask());
    const names: string[] = [];
    for (const task of ids) names.push(await submitPodlessPlay(rest, task));
    await Promise.all(names.map((name) => playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created')));

    // The burst: one event every 150 ms; the apiserver is killed as soon as the first resume is logged.
    const deliveries: string[] = [];
    const sending = (async () => {
      for (const task of ids) {
        const sent = await sendToEventSource('pr-opened', task);
        expect(sent.status, sent.body).toBe(200);
        deliveries.push(sent.delivery);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await eventually('the first resume of the burst', async () => {
      for (const delivery of [...deliveries]) if ((await handledDelivery('pr-opened', delivery)).some((a) => a.outcome === 'resumed')) return true;
      return undefined;
    }, 60_000);
    await control('POST', '/processes/kube-apiserver/kill');
    await sending;
    // While it is down the function answers 503 and the Sensor keeps the events.
    await eventually('an attempt refused while the apiserver is down', async () => {
      for (const delivery of deliveries) if ((await handledDelivery('pr-opened', delivery)).some((a) => a.status === 503)) return true;
      return undefined;
    }, 60_000);
    await control('POST', '/processes/kube-apiserver/start');

    for (const [i, task] of ids.entries()) {
      const wf = await untilGatePassed(rest, names[i]!, 'wait-pr-created', 'quality-in-progress', 1, 300_000);
      expect(nodesNamed(wf, 'wait-pr-created').map((n) => n.phase)).toEqual(['Succeeded']);
      expect(appliedEvents(wf).filter((k) => k === deliveries[i])).toHaveLength(1);
      // The function logs an attempt after its write returns, so the log may trail the workflow a moment.
      const attempts = await eventually(`task ${task}: an answered attempt in the log`, async () => {
        const logged = await handledDelivery('pr-opened', deliveries[i]!);
        return logged.some((a) => a.status === 200) ? logged : undefined;
      }, 30_000);
      // One attempt resumed, or, when the apiserver died after the write but before its answer, the retry found it applied.
      const outcomes = attempts.map((a) => `${a.outcome}/${a.status}`).join(',');
      expect(attempts.filter((a) => a.outcome === 'resumed').length, `task ${task}: ${outcomes}`).toBeLessThanOrEqual(1);
      expect(attempts.filter((a) => a.status === 200).length, `task ${task}: ${outcomes}`).toBeGreaterThanOrEqual(1);
      expect(attempts.every((a) => ['resumed', 'duplicate', 'already-done'].includes(a.outcome) || a.status === 503), `task ${task}: ${outcomes}`).toBe(true);
    }
    const refused = (await Promise.all(deliveries.map((d) => handledDelivery('pr-opened', d)))).flat().filter((a) => a.status === 503).length;
    console.log(`[faults] apiserver killed mid-burst: ${tasks} tasks resumed once each; ${refused} attempts answered 503 and were retried by the Sensor`);
    // The control plane is whole again: the controller still drives the plays.
    await untilActive(rest, names[0]!, 'agent-cleo', 1, 180_000);
  }, 900_000);
});
