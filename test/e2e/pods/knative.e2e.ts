// Knative's promise, on the node: idle functions scale to zero (the local stack shortens the
// autoscaler windows: dev/stack/knative/serving-manifests.ts localAutoscaler), an event that arrives
// at zero goes ingress → activator → a new pod → the gate resumed, with nothing lost, also for a
// burst across tasks and through the EventSource and a Sensor calling the Knative URL; a Rex push through
// a Sensor calling rex-push's Knative URL reaches the fake GitHub as the GitHub App and restarts QA; and
// `npm run deploy -- rex-push --image <new>` rolls out a new Revision of rex-push only, and the Rex pushes
// sent to rex-push through the ingress during it, each delivered twice, each apply exactly once. The plays are the
// shipped template's; Cleo is held in each, so a resumed play stays at quality-in-progress until the test
// deletes it (in the Rex push's play she finishes each pass; in the redeploy's plays she finishes the first
// QA pass, and the pass a push restarts holds her).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultAddress } from '../../../dev/stack/image/containerd';
import { scenarioPayload } from '../../../dev/stack/github/payloads';
import { appliedEvents, control, nodesNamed, readWorkflow, repository, sendRexPush, sendToEventSource, stageOf, supplied, untilOutcome } from '../guarantees/support';
import { deletePlay, playAtPrGate, scriptAgent, untilAgentRun, untilGate } from '../shipped-play';
import { fakePullNumber, type RecordedGitHubRequest } from '../../fakes/fake-github';
import { eventually, kube, runSend, stack, uniqueTask } from '../support';
import { deployFunctionServices, functionPods, functions, ingressAddress, isReady, knativeService, live, ns, postThroughIngress, sensorRequest, type IngressResponse } from './knative';
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
 * resumed it stays at quality-in-progress (the stage the function writes) until deleted. Added to `plays`.
 */
async function playWaitingForPr(task: number): Promise<string> {
  await scriptAgent(task, 'cleo', ['hold']);
  const name = await playAtPrGate(kube(), task);
  plays.push(name);
  return name;
}

/**
 * Plays prepared ahead of the test that uses them: started once (by an earlier step or the test itself), so
 * their pods run while earlier tests wait on Knative. A failure surfaces in the test that awaits them. Nothing an
 * earlier test checks or sends touches them: each test sends only to its own tasks and counts only their
 * deliveries and label removals. Until the Rex push test they wait at their first gate, which no event has
 * reached; from it, the redeploy test's get a pr-opened through the EventSource, which only the stack's Sensor
 * takes on to the host-process pr-opened (the Sensor calling pr-opened's Knative URL is killed by then), and no
 * test here counts what the host process does.
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

/** The redeploy test's plays at wait-pr-created; Cleo passes her first QA pass and is held in the next. Started in beforeAll. */
const rolloutPlaysAtPrGate = ahead(async () => {
  const tasks = Array.from({ length: 8 }, () => uniqueTask());
  const names = await Promise.all(
    tasks.map(async (task) => {
      await scriptAgent(task, 'cleo', ['Succeeded', 'hold']);
      return playAtPrGate(kube(), task);
    }),
  );
  return { tasks, names };
});

/**
 * The same plays taken on to wait-ready-for-qa (Cleo's first pass done), where a Rex push restarts QA: a pr-opened
 * through the EventSource resumes each one's first gate. Started by the Rex push test, after the last Sensor calling
 * pr-opened's Knative URL is gone.
 */
const rolloutPlays = ahead(async () => {
  const { tasks, names } = await rolloutPlaysAtPrGate();
  await Promise.all(
    tasks.map(async (task, i) => {
      expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
      await untilGate(kube(), names[i]!, 'wait-ready-for-qa', 'waiting-ready-for-qa');
    }),
  );
  return { tasks, names };
});

/** The requests to remove ready-for-qa from `task`'s PR that reached the fake GitHub, with the auth each carried. */
async function readyForQaRemovals(task: number): Promise<RecordedGitHubRequest[]> {
  const requests = await control<RecordedGitHubRequest[]>('GET', '/github/requests');
  return requests.filter((r) => r.method === 'DELETE' && r.path === `/repos/${repository}/issues/${fakePullNumber(task)}/labels/ready-for-qa`);
}

async function prOpenedThroughIngress(ingress: string, task: number, delivery: string) {
  const { payload } = scenarioPayload('pr-opened', { task, repository });
  const request = sensorRequest(stack().triggerToken, 'pull_request', payload, delivery);
  return postThroughIngress(ingress, host('pr-opened'), request.headers, request.body);
}

/** A Rex push of `task` as rex-push's Sensor would send it, straight to rex-push's Knative Service through the ingress. */
function rexPushThroughIngress(ingress: string, task: number, after: string, delivery: string): Promise<IngressResponse> {
  const { event, payload } = scenarioPayload('rex-push', { task, repository });
  payload.after = after; // rex-push deduplicates a push by `sha:<after>` as well as by its delivery ID
  const request = sensorRequest(stack().triggerToken, event, payload, delivery);
  return postThroughIngress(ingress, host('rex-push'), request.headers, request.body);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(needsKnative)('Knative: scale to zero, events at zero, per-function redeploys', () => {
  let ingress = '';
  let image = '';

  beforeAll(async () => {
    image = (await deployFunctionServices()).image;
    ingress = await ingressAddress();
    void rexPushPlay();
    void rolloutPlaysAtPrGate();
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
    void rolloutPlays(); // the redeploy test's plays: their pods run while this test waits on its own play
    const { task, name } = await rexPushPlay(); // Cleo not held: each QA pass ends at wait-ready-for-qa
    plays.push(name); // deleted after the test, once the host process has seen the push too
    expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
    await untilGate(rest, name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
    const files = buildManifests({ namespace: ns(), webhookSecret: secretRefs.webhookSecret, sensorTokenSecret: secretRefs.sensorTokenSecret, acceptedTokensSecret: secretRefs.acceptedTokensSecret });
    const sensor = objectsOf(files, (f) => f.path === 'argo/events/sensors/rex-push.yaml').find((o) => o.kind === 'Sensor')!;
    expect(JSON.stringify(sensor.spec)).toContain(`"url":"http://${host('rex-push')}"`);
    const removals = () => readyForQaRemovals(task);
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

  it('npm run deploy -- rex-push --image <new> while Rex pushes reach rex-push, each twice: a new Revision of rex-push only, every push applied exactly once', async () => {
    const rest = kube();
    const { tasks, names } = await rolloutPlays(); // each waits at wait-ready-for-qa; the QA pass a push restarts holds Cleo
    plays.push(...names);
    const pushes = tasks.map((task, i) => ({ task, name: names[i]!, after: randomBytes(20).toString('hex'), delivery: `rollout-${task}`, answers: [] as Promise<IngressResponse>[] }));
    // Each push delivered twice at once (the same delivery ID and after), as a Sensor's redelivery can overlap the first.
    const send = (push: (typeof pushes)[number]) => {
      push.answers = [1, 2].map(() => rexPushThroughIngress(ingress, push.task, push.after, push.delivery).catch((error: unknown) => ({ status: 0, body: `no answer: ${String(error)}` })));
    };
    const before = Object.fromEntries(await Promise.all(functions.map(async (fn) => [fn, await knativeService(fn)] as const)));
    const oldRevision = before['rex-push']!.status?.latestReadyRevisionName;
    const newRevisionReady = async () => {
      const ksvc = await knativeService('rex-push');
      return isReady(ksvc) && ksvc.status?.latestReadyRevisionName !== oldRevision ? ksvc : undefined;
    };
    const next = `${image.replace(/:[^:/]+$/, '')}:redeploy-${Date.now()}`;
    await run('ctr', ['--address', defaultAddress, '--namespace', 'k8s.io', 'images', 'tag', image, next]);
    // The same GITHUB_API_URL as the stack's deploy (its fake GitHub): only the image changes.
    const deploy = run('npm', ['run', 'deploy', '--', 'rex-push', '--image', next, '--namespace', ns(), '--github-api-url', stack().knative!.functions!.githubApiUrl], { env: { ...process.env, KUBECONFIG: stack().kubeconfig } });
    deploy.catch(() => undefined); // awaited just below
    // From the deploy on, until after the new Revision is Ready: one push as npm run deploy starts (the old Revision's),
    // then one every 1.5 s from the apply until the new Revision is Ready, keeping at least two for after it.
    let sent = 0;
    send(pushes[sent++]!);
    const deployed = await deploy;
    expect(deployed.stdout).toMatch(/applied Service .*rex-push/);
    while (sent < pushes.length - 2 && !(await newRevisionReady())) {
      send(pushes[sent++]!);
      await pause(1500);
    }
    const beforeReady = sent;
    const after = await eventually('rex-push Ready on a new Revision', async () => {
      const ready = await newRevisionReady();
      if (ready) return ready;
      // What is in the way, for the timeout's message.
      const ksvc = await knativeService('rex-push');
      const revisions = await rest.call<{ items: { metadata: { name: string }; status?: { conditions?: unknown[] } }[] }>('GET', `/apis/serving.knative.dev/v1/namespaces/${ns()}/revisions?labelSelector=${encodeURIComponent('serving.knative.dev/service=rex-push')}`);
      const pods = (await functionPods('rex-push')).map((p) => ({ name: p.metadata.name, phase: p.status?.phase, containers: p.status?.containerStatuses }));
      throw new Error(JSON.stringify({ ksvc: ksvc.status, revisions: revisions.body.items.map((r) => ({ name: r.metadata.name, conditions: r.status?.conditions })), pods }));
    }, 240_000);
    // The rest after it, 1.5 s apart, while traffic has moved to the new Revision and the old one's pod winds down.
    while (sent < pushes.length) {
      send(pushes[sent++]!);
      if (sent < pushes.length) await pause(1500);
    }

    expect(after.spec.template.spec.containers[0]!.image).toBe(next);
    expect(after.status?.traffic).toEqual([expect.objectContaining({ revisionName: after.status?.latestReadyRevisionName, percent: 100 })]);
    for (const fn of functions.filter((f) => f !== 'rex-push')) {
      const now = await knativeService(fn);
      expect(now.metadata.generation, fn).toBe(before[fn]!.metadata.generation);
      expect(now.status?.latestReadyRevisionName, fn).toBe(before[fn]!.status?.latestReadyRevisionName);
    }

    // Each push applied once: one copy remediated (the gate resumed), the other found the push recorded, either
    // before deciding or when its own resume write met a 409 and it read the play again.
    for (const push of pushes) {
      const answers = await Promise.all(push.answers);
      for (const answer of answers) expect(answer.status, `${push.delivery}: ${answer.body}`).toBe(200);
      expect(answers.map((a) => (JSON.parse(a.body) as { outcome: string }).outcome).sort(), push.delivery).toEqual(['duplicate', 'remediated']);
    }
    await Promise.all(
      pushes.map(async (push) => {
        // QA restarted: the restarted pass's Cleo is taken up (and held), so its stage step has run.
        await untilAgentRun(push.task, 'cleo', 'Running');
        const wf = await readWorkflow(rest, push.name);
        const gates = nodesNamed(wf, 'wait-ready-for-qa');
        expect(gates.map((n) => n.phase), push.name).toEqual(['Succeeded']);
        expect(supplied(gates[0], 'decision'), push.name).toBe('restart');
        expect(stageOf(wf), push.name).toBe('quality-in-progress');
        expect(appliedEvents(wf).filter((key) => key === `sha:${push.after}`), push.name).toHaveLength(1);
        expect(appliedEvents(wf).filter((key) => key === push.delivery), push.name).toHaveLength(1);
      }),
    );
    // The label removed once per task, every removal by the pods' GitHub App (an installation token); the host
    // process, which sends a fixed token, never saw these pushes.
    for (const push of pushes) {
      const removed = await readyForQaRemovals(push.task);
      expect(removed.map((r) => r.auth), push.delivery).toEqual(removed.map(() => 'installation'));
      expect(removed.filter((r) => r.status === 200), push.delivery).toHaveLength(1);
    }
    console.log(`[rollout] ${pushes.length} Rex pushes (each twice): 1 as the deploy started, ${beforeReady - 1} from the apply until ${after.status?.latestReadyRevisionName} was Ready, ${pushes.length - beforeReady} after`);
  }, 600_000);
});
