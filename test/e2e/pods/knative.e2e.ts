// Knative's promise, on the node: idle functions scale to zero (the local stack shortens the
// autoscaler windows: dev/stack/knative/serving-manifests.ts localAutoscaler), an event that arrives
// at zero goes ingress → activator → a new pod → the gate resumed, with nothing lost, also for a
// burst across tasks and through the EventSource and a Sensor calling the Knative URL; a Rex push through
// a Sensor calling rex-push's Knative URL reaches the fake GitHub as the GitHub App and restarts QA; and
// `npm run deploy -- rex-push --image <new>` rolls out a new Revision of rex-push only. The plays are
// the shipped template's; Cleo is held in each, so a resumed play stays at quality-in-progress until
// the test deletes it (but in the Rex push's play, where she finishes each pass).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultAddress } from '../../../dev/stack/image/containerd';
import { scenarioPayload } from '../../../dev/stack/github/payloads';
import { appliedEvents, control, nodesNamed, readWorkflow, repository, sendRexPush, sendToEventSource, stageOf, supplied, untilOutcome } from '../guarantees/support';
import { deletePlay, playAtPrGate, scriptAgent, untilGate } from '../shipped-play';
import { fakePullNumber, type RecordedGitHubRequest } from '../../fakes/fake-github';
import { eventually, kube, runSend, stack, uniqueTask } from '../support';
import { deployFunctionServices, functionPods, functions, ingressAddress, isReady, knativeService, live, ns, postThroughIngress, sensorRequest } from './knative';
import { buildManifests, objectsOf } from '../../../manifests';
import { secretRefs } from '../../../dev/stack/stack';
import { deliverWebhook } from '../../../dev/stack/github/webhook';

const run = promisify(execFile);
const needsKnative = !stack().knative;
const host = (fn: string) => `${fn}.${ns()}.svc.cluster.local`;

interface ServerlessService {
  status?: { conditions?: { type: string; status: string }[] };
  spec: { mode: string };
}

/** The Revision's ServerlessService: `Proxy` puts the activator in the data path (at zero), `Serve` the pods. */
async function sksMode(revision: string): Promise<string> {
  const res = await kube().call<ServerlessService>('GET', `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${ns()}/serverlessservices/${revision}`);
  expect(res.status, res.text).toBe(200);
  return res.body.spec.mode;
}

/** At zero: no pod of the function left, and the activator in its path. */
async function untilAtZero(fn: string): Promise<void> {
  const revision = (await knativeService(fn)).status!.latestReadyRevisionName!;
  await eventually(`${fn} scaled to zero`, async () => ((await functionPods(fn)).length === 0 && (await sksMode(revision)) === 'Proxy' ? true : undefined), 180_000);
}

/** Plays to delete after each test: a held Cleo keeps her pod and one of the agents' semaphore places. */
const plays: string[] = [];

/**
 * A play of `task` waiting at the pr-created gate (Rex done), as pr-opened expects it; Cleo held, so once
 * resumed it stays at quality-in-progress (the stage the function writes) until deleted. Added to `plays`
 * unless `untracked` (a play prepared ahead, which the test that uses it adds).
 */
async function playWaitingForPr(task: number, untracked = false): Promise<string> {
  await scriptAgent(task, 'cleo', ['hold']);
  const name = await playAtPrGate(kube(), task);
  if (!untracked) plays.push(name);
  return name;
}

/**
 * Plays prepared ahead of the test that uses them: started once (by an earlier step or the test itself), so
 * their pods run while earlier tests wait on Knative. Only plays waiting at their first gate, which no event has
 * reached: nothing an earlier test checks or sends touches them. A failure surfaces in the test that awaits them.
 */
function ahead<T>(prepare: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => {
    if (!started) {
      started = prepare();
      started.catch(() => undefined); // awaited (and reported) by the test that uses it
    }
    return started;
  };
}

/** The Rex push test's play at wait-pr-created, Cleo not held (each QA pass ends at wait-ready-for-qa); started in beforeAll. */
const rexPushPlay = ahead(async () => {
  const task = uniqueTask();
  return { task, name: await playAtPrGate(kube(), task) };
});

/** The rollout test's plays at wait-pr-created (Cleo held once resumed); started while the redeploy test waits. */
const rolloutPlays = ahead(async () => {
  const tasks = Array.from({ length: 8 }, () => uniqueTask());
  return { tasks, names: await Promise.all(tasks.map((task) => playWaitingForPr(task, true))) };
});

async function prOpenedThroughIngress(ingress: string, task: number, delivery: string) {
  const { payload } = scenarioPayload('pr-opened', { task, repository });
  const request = sensorRequest(stack().triggerToken, 'pull_request', payload, delivery);
  return postThroughIngress(ingress, host('pr-opened'), request.headers, request.body);
}

describe.skipIf(needsKnative)('Knative: scale to zero, events at zero, per-function redeploys', () => {
  let ingress = '';
  let image = '';

  beforeAll(async () => {
    image = (await deployFunctionServices()).image;
    ingress = await ingressAddress();
    void rexPushPlay();
  }, 600_000);

  afterEach(async () => {
    await Promise.all(plays.splice(0).map((name) => deletePlay(kube(), name)));
  });

  it('idle functions scale to zero; an event at zero goes through the activator to a new pod, which resumes the gate', async () => {
    const task = uniqueTask();
    const [name] = await Promise.all([playWaitingForPr(task), untilAtZero('pr-opened')]);
    const delivery = `zero-${task}`;
    const response = await prOpenedThroughIngress(ingress, task, delivery);
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ outcome: 'resumed', workflow: name });
    const after = await readWorkflow(kube(), name);
    expect(stageOf(after)).toBe('quality-in-progress');
    expect(appliedEvents(after)).toContain(delivery);
    expect(live(await functionPods('pr-opened'))).toHaveLength(1);
  });

  it('a burst across tasks at zero, each delivered twice: every gate resumed exactly once', async () => {
    const tasks = Array.from({ length: 6 }, () => uniqueTask());
    const [names] = await Promise.all([Promise.all(tasks.map((task) => playWaitingForPr(task))), untilAtZero('pr-opened')]);
    const responses = await Promise.all(tasks.flatMap((task) => [prOpenedThroughIngress(ingress, task, `burst-${task}`), prOpenedThroughIngress(ingress, task, `burst-${task}`)]));
    for (const response of responses) expect(response.status, response.body).toBe(200);
    const outcomes = responses.map((r) => (JSON.parse(r.body) as { outcome: string }).outcome);
    expect(outcomes.filter((o) => o === 'resumed')).toHaveLength(tasks.length);
    for (const [i, name] of names.entries()) {
      const wf = await readWorkflow(kube(), name);
      expect(stageOf(wf)).toBe('quality-in-progress');
      expect(appliedEvents(wf).filter((d) => d === `burst-${tasks[i]}`)).toHaveLength(1);
      expect(Object.values(wf.status?.nodes ?? {}).filter((n) => n.displayName === 'wait-pr-created' && n.phase === 'Succeeded')).toHaveLength(1);
    }
  });

  it('npm start lists the Knative URLs, and npm run send -- pr-opened --to function reaches pr-opened at zero', async () => {
    const deployed = stack().knative!.functions!;
    expect(deployed.image).toBe(image);
    expect(deployed.ingressAddress).toBe(ingress);
    for (const fn of functions) expect(deployed.services[fn]).toEqual({ url: `http://${host(fn)}`, host: host(fn) });
    const task = uniqueTask();
    const [name] = await Promise.all([playWaitingForPr(task), untilAtZero('pr-opened')]);
    const sent = await runSend(['pr-opened', '--task', String(task), '--repo', repository, '--to', 'function']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(new RegExp(`^pull_request → http://${host('pr-opened')} \\(ingress ${ingress.replace(/\./g, '\\.')}\\): HTTP 200 in \\d+ ms`));
    expect(JSON.parse(sent.stdout.slice(sent.stdout.indexOf('\n') + 1))).toMatchObject({ outcome: 'resumed', workflow: name, function: 'pr-opened' });
    expect(stageOf(await readWorkflow(kube(), name))).toBe('quality-in-progress');
    expect(live(await functionPods('pr-opened'))).toHaveLength(1);
  });

  it('GitHub → EventSource → a Sensor calling the Knative URL (cluster DNS) → ingress → activator → a new pod', async () => {
    // A Sensor as generated with the default function URLs (http://<function>.<namespace>.svc.cluster.local),
    // under a name of its own so it has its own durable subscription beside the stack's Sensor.
    const files = buildManifests({ namespace: ns(), webhookSecret: secretRefs.webhookSecret, sensorTokenSecret: secretRefs.sensorTokenSecret, acceptedTokensSecret: secretRefs.acceptedTokensSecret });
    const sensor = objectsOf(files, (f) => f.path === 'argo/events/sensors/pr-opened.yaml').find((o) => o.kind === 'Sensor')!;
    const trigger = JSON.stringify(sensor.spec);
    expect(trigger).toContain(`"url":"http://${host('pr-opened')}"`);
    await control('POST', '/sensors', { sensor: { ...sensor, metadata: { ...sensor.metadata, name: 'pr-opened-knative' } } });
    try {
      await deliverAtZero();
    } finally {
      // The stack is shared: later files count what the host-process pr-opened does with every event.
      await control('POST', '/processes/sensor-pr-opened-knative/kill');
    }
  });

  async function deliverAtZero(): Promise<void> {
    const task = uniqueTask();
    const [name] = await Promise.all([playWaitingForPr(task), untilAtZero('pr-opened')]);
    const delivery = randomUUID();
    const { event, payload } = scenarioPayload('pr-opened', { task, repository });
    const sent = await deliverWebhook({ url: stack().eventSourceUrl!, event, payload, secret: stack().webhookSecret, delivery });
    expect(sent.status).toBe(200);
    await eventually(`${name} resumed`, async () => (stageOf(await readWorkflow(kube(), name)) === 'quality-in-progress' ? true : undefined), 120_000);
    // The woken pod handled this delivery (the stack's own Sensor calls the host-process function too: one of them resumed, the other found it done).
    const pod = await eventually('a pr-opened pod', async () => live(await functionPods('pr-opened'))[0]);
    const log = await eventually(`pod log with delivery ${delivery}`, async () => {
      const res = await kube().call<string>('GET', `/api/v1/namespaces/${ns()}/pods/${pod.metadata.name}/log?container=function`);
      return res.status === 200 && res.text.includes(delivery) ? res.text : undefined;
    }, 60_000);
    expect(log).toMatch(/"outcome":"(resumed|duplicate|already-[a-z-]+)"/);
    expect(appliedEvents(await readWorkflow(kube(), name)).filter((d) => d === delivery)).toHaveLength(1);
  }

  it('a Rex push → EventSource → a Sensor calling rex-push at its Knative URL → the pod removes the label on the fake GitHub as the GitHub App, QA restarts', async () => {
    const rest = kube();
    const { task, name } = await rexPushPlay(); // Cleo not held: each QA pass ends at wait-ready-for-qa
    plays.push(name); // deleted after the test, once the host process has seen the push too
    expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
    await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
    const files = buildManifests({ namespace: ns(), webhookSecret: secretRefs.webhookSecret, sensorTokenSecret: secretRefs.sensorTokenSecret, acceptedTokensSecret: secretRefs.acceptedTokensSecret });
    const sensor = objectsOf(files, (f) => f.path === 'argo/events/sensors/rex-push.yaml').find((o) => o.kind === 'Sensor')!;
    expect(JSON.stringify(sensor.spec)).toContain(`"url":"http://${host('rex-push')}"`);
    const removals = async () =>
      (await control<RecordedGitHubRequest[]>('GET', '/github/requests')).filter((r) => r.method === 'DELETE' && r.path === `/repos/${repository}/issues/${fakePullNumber(task)}/labels/ready-for-qa`);
    // Only the Knative path acts on this push: the stack's own rex-push Sensor (calling the host process) is
    // stopped until it is done; a Sensor as generated, with its own durable subscription, calls the Knative URL.
    await control('POST', '/processes/sensor-handoff-rex-push/kill');
    let push: Awaited<ReturnType<typeof sendRexPush>> | undefined;
    try {
      await control('POST', '/sensors', { sensor: { ...sensor, metadata: { ...sensor.metadata, name: 'rex-push-knative' } } });
      push = await sendRexPush(task);
      expect(push.status, push.body).toBe(200);
      // The pod's removal, with an installation token its GitHub App client minted (the host process sends a fixed token).
      await eventually(`the label removal of task ${task} answered`, async () => ((await removals()).some((r) => r.status === 200) ? true : undefined), 180_000);
      const removed = await removals();
      expect(removed.map((r) => r.auth)).toEqual(removed.map(() => 'installation'));
      expect(removed.filter((r) => r.status === 200)).toHaveLength(1);
      // QA restarted: the gate resumed with decision=restart and the push recorded; Cleo's new pass reaches the gate again.
      const wf = await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa', 2);
      const first = nodesNamed(wf, 'wait-ready-for-qa').find((n) => n.phase === 'Succeeded');
      expect(supplied(first, 'decision')).toBe('restart');
      expect(appliedEvents(wf)).toContain(`sha:${push.after}`);
    } finally {
      await control('POST', '/processes/sensor-rex-push-knative/kill');
      await control('POST', '/processes/sensor-handoff-rex-push/start');
    }
    // Started again, the stack's Sensor gets the push it missed (its durable subscription): the host process finds it applied.
    await untilOutcome('rex-push', push.delivery, 'duplicate');
    const removed = await removals();
    expect(removed.map((r) => r.auth)).toEqual(removed.map(() => 'installation')); // none by the host process
  }, 600_000);

  it('npm run deploy -- rex-push --image <new> rolls out a new Revision of rex-push only; the others keep theirs', async () => {
    void rolloutPlays(); // the next test's plays: their pods run while this one waits for the new Revision
    const before = Object.fromEntries(await Promise.all(functions.map(async (fn) => [fn, await knativeService(fn)] as const)));
    const next = `${image.replace(/:[^:/]+$/, '')}:redeploy-${Date.now()}`;
    await run('ctr', ['--address', defaultAddress, '--namespace', 'k8s.io', 'images', 'tag', image, next]);
    // The same GITHUB_API_URL as the stack's deploy (its fake GitHub): only the image changes.
    const deployed = await run('npm', ['run', 'deploy', '--', 'rex-push', '--image', next, '--namespace', ns(), '--github-api-url', stack().knative!.functions!.githubApiUrl], { env: { ...process.env, KUBECONFIG: stack().kubeconfig } });
    expect(deployed.stdout).toMatch(/applied Service .*rex-push/);
    const after = await eventually('rex-push Ready on a new Revision', async () => {
      const ksvc = await knativeService('rex-push');
      if (isReady(ksvc) && ksvc.status?.latestReadyRevisionName !== before['rex-push']!.status?.latestReadyRevisionName) return ksvc;
      // What is in the way, for the timeout's message.
      const revisions = await kube().call<{ items: { metadata: { name: string }; status?: { conditions?: unknown[] } }[] }>('GET', `/apis/serving.knative.dev/v1/namespaces/${ns()}/revisions?labelSelector=${encodeURIComponent('serving.knative.dev/service=rex-push')}`);
      const pods = (await functionPods('rex-push')).map((p) => ({ name: p.metadata.name, phase: p.status?.phase, containers: p.status?.containerStatuses }));
      throw new Error(JSON.stringify({ ksvc: ksvc.status, revisions: revisions.body.items.map((r) => ({ name: r.metadata.name, conditions: r.status?.conditions })), pods }));
    }, 240_000);
    expect(after.spec.template.spec.containers[0]!.image).toBe(next);
    expect(after.status?.traffic).toEqual([expect.objectContaining({ revisionName: after.status?.latestReadyRevisionName, percent: 100 })]);
    for (const fn of functions.filter((f) => f !== 'rex-push')) {
      const now = await knativeService(fn);
      expect(now.metadata.generation, fn).toBe(before[fn]!.metadata.generation);
      expect(now.status?.latestReadyRevisionName, fn).toBe(before[fn]!.status?.latestReadyRevisionName);
    }
  }, 360_000);

  it('events sent to pr-opened while it rolls out a new Revision each apply exactly once', async () => {
    const { tasks, names } = await rolloutPlays();
    plays.push(...names);
    const before = await knativeService('pr-opened');
    const next = `${image.replace(/:[^:/]+$/, '')}:rollout-${Date.now()}`;
    await run('ctr', ['--address', defaultAddress, '--namespace', 'k8s.io', 'images', 'tag', image, next]);
    const rollout = run('npm', ['run', 'deploy', '--', 'pr-opened', '--image', next, '--namespace', ns(), '--github-api-url', stack().knative!.functions!.githubApiUrl], { env: { ...process.env, KUBECONFIG: stack().kubeconfig } });
    // One event every 1.5 s from the deploy on, each delivered twice, until after the new Revision is Ready.
    const responses: Promise<{ status: number; body: string }>[] = [];
    let rolledOut = false;
    for (const task of tasks) {
      responses.push(prOpenedThroughIngress(ingress, task, `rollout-${task}`), prOpenedThroughIngress(ingress, task, `rollout-${task}`));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const ksvc = await knativeService('pr-opened');
      rolledOut ||= isReady(ksvc) && ksvc.status?.latestReadyRevisionName !== before.status?.latestReadyRevisionName;
    }
    await rollout;
    const after = await eventually('pr-opened Ready on a new Revision', async () => {
      const ksvc = await knativeService('pr-opened');
      return isReady(ksvc) && ksvc.status?.latestReadyRevisionName !== before.status?.latestReadyRevisionName ? ksvc : undefined;
    }, 240_000);
    expect(after.spec.template.spec.containers[0]!.image).toBe(next);
    const answers = await Promise.all(responses);
    for (const answer of answers) expect(answer.status, answer.body).toBe(200);
    expect(answers.map((a) => (JSON.parse(a.body) as { outcome: string }).outcome).filter((o) => o === 'resumed')).toHaveLength(tasks.length);
    for (const [i, name] of names.entries()) {
      const wf = await readWorkflow(kube(), name);
      expect(stageOf(wf)).toBe('quality-in-progress');
      expect(appliedEvents(wf).filter((d) => d === `rollout-${tasks[i]}`)).toHaveLength(1);
    }
    console.log(`[rollout] ${tasks.length} events (each twice) over the rollout; new Revision ${after.status?.latestReadyRevisionName} Ready ${rolledOut ? 'before' : 'after'} the last event`);
  }, 360_000);
});
