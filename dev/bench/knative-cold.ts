/**
 * Scale from zero on Knative Serving, on the local node (dev/stack/stack.ts with the node and Knative):
 * pr-opened as the stack deploys it (the image built from the Dockerfile), side by side with its
 * peer, the same app on faas-js-runtime (dev/bench/peer/Containerfile, Knative Functions' Node runtime),
 * deployed as a Knative Service like pr-opened (same ServiceAccount, env, volumes, probes timing,
 * resources; only name, image and command differ, and the probe paths are the runtime's own), and
 * with the floor, Knative's own minimal Go app (knative.dev/serving/test/test_images/helloworld).
 *
 *  1. From zero (no pod, ServerlessService in Proxy): a Sensor-format pr-opened event through the
 *     ingress (the private Traefik Service's ClusterIP, Host = the route's host, the trigger token as
 *     Bearer) for a play waiting at wait-pr-created; timed to the HTTP answer and to the gate
 *     Succeeded. The floor: a request → 200. Also the full path for pr-opened: a signed webhook to the
 *     EventSource → a Sensor calling the Knative URL → the gate Succeeded.
 *     The plays are of the shipped template the stack installs (dev/stack/argo/plays.ts startPlay): its own
 *     steps run in pods and the stack's agents' side ends Rex's CodeRun Succeeded. Untimed: a round's
 *     plays are started together and waited for at wait-pr-created (stage waiting-pr-created), then the
 *     Services at zero; after each sample the resumed play is waited for at its next gate (Cleo's pods
 *     done), so no play's pods run during a timed request; after the round its plays are deleted.
 *  2. Warm, through the ingress: sequential requests with a pod up.
 *  3. Each pod's memory as the kubelet reports it (/stats/summary through the apiserver proxy).
 *
 * Writes .handoff/bench/knative-cold.json (dev/bench/results.ts).
 *
 *   npm run build && npm run bench:knative [-- --samples 8 --warm 50]
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ensureBinaries } from '../stack/binaries/binaries';
import { loadImage } from '../stack/image/load-image';
import { readImagePins } from '../stack/image/pins';
import { isServiceReady, postThroughIngress, readKnativeService, sensorRequest, type IngressResponse } from '../stack/knative/function-services';
import { helloworldImageDefinition } from '../stack/knative/serving-images';
import type { KubeObject, KubeRest } from '../stack/kube-rest';
import { buildManifests, objectsOf } from '../../manifests';
import { ensureImages } from '../stack/node/node-images';
import { nodeName } from '../stack/node/start-node';
import { scenarioPayload } from '../stack/github/payloads';
import { startPlay } from '../stack/argo/plays';
import type { ManagedProcess } from '../stack/processes/processes';
import { secretRefs, startStack } from '../stack/stack';
import { readComponents, repoRoot } from '../stack/binaries/versions';
import { deliverWebhook } from '../stack/github/webhook';
import { WORKFLOW_LABELS } from '../../shared/contract';
import { ensurePeerImage, faasJsRuntimeVersion } from './peer/image';
import { floorService, peerService, type KnativeServiceObject } from './knative-services';
import { percentile } from './report';
import { printTable } from '../scripts/table';
import { figure, versionsOf, writeResults, type Figure } from './results';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) || fallback : fallback;
};
const samples = arg('samples', 8);
const warmRequests = arg('warm', 50);
const log = (line: string) => console.error(`[bench] ${line}`);
const repository = 'Codertocat/Hello-World';
const gate = 'wait-pr-created';

const OURS = 'pr-opened';
const PEER = 'pr-opened-faas';
const FLOOR = 'helloworld';
type Target = typeof OURS | typeof PEER | typeof FLOOR;
const targets: Target[] = [OURS, PEER, FLOOR];
const label: Record<Target, string> = { [OURS]: 'handoff pr-opened (@hono/node-server)', [PEER]: 'peer: same app on faas-js-runtime', [FLOOR]: 'floor: Knative helloworld (Go)' };

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

interface WorkflowNode { displayName: string; phase?: string }
interface Workflow { metadata: { name: string; labels?: Record<string, string> }; status?: { nodes?: Record<string, WorkflowNode> } }

const stack = await startStack({ workDir: join(repoRoot, '.handoff', 'bench-knative', 'run'), logDir: join(repoRoot, '.handoff', 'logs', 'bench-knative'), node: true, knative: true, knativeFunctions: true, log });
const extraProcesses: ManagedProcess[] = [];
try {
  const { rest, namespace } = stack;
  const knative = stack.knative;
  if (!knative?.functions) throw new Error('the stack runs no Knative functions (HANDOFF_KNATIVE=0 or HANDOFF_KNATIVE_FUNCTIONS=0?)');
  const ingress = knative.functions.ingressAddress;
  const binaries = await ensureBinaries(['knative-helloworld'], { onProgress: log });
  const workflowsPath = `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`;

  // ---- the peer and the floor as Knative Services beside pr-opened ----
  const peerImage = await ensurePeerImage(log);
  await loadImage(knative.containerdAddress, peerImage, log);
  const floorImage = helloworldImageDefinition(binaries['knative-helloworld']);
  await ensureImages(knative.containerdAddress, [floorImage], join(stack.logDir, 'node-images.log'), log);
  const files = buildManifests({ namespace, image: knative.functions.image });
  const base = objectsOf(files, (f) => f.path === `knative/${OURS}.yaml`).find((o) => o.kind === 'Service' && o.apiVersion.startsWith('serving.knative.dev/')) as KnativeServiceObject | undefined;
  if (!base) throw new Error(`the generator emitted no Knative Service in knative/${OURS}.yaml`);
  for (const ksvc of [peerService(base, PEER, peerImage.name), floorService(base, FLOOR, floorImage.name)]) {
    const res = await rest.apply(ksvc);
    if (res.status >= 300) throw new Error(`apply Service ${ksvc.metadata.name}: ${res.status} ${res.text}`);
  }
  const hosts = {} as Record<Target, string>;
  for (const name of targets) {
    const ksvc = await until(`${name} Ready`, async () => {
      const state = await readKnativeService(rest, namespace, name);
      return isServiceReady(state) ? state : undefined;
    }, 300_000, 1_000);
    hosts[name] = new URL(ksvc.status!.url!).host;
  }
  log(`Knative Services Ready: ${targets.map((t) => `${t} (${hosts[t]})`).join(', ')}; ingress ${ingress}`);

  // ---- the Knative objects' state ----
  interface Pod { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }
  const podsOf = async (name: Target): Promise<Pod[]> => {
    const res = await rest.call<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`serving.knative.dev/service=${name}`)}`);
    if (res.status !== 200) throw new Error(`list pods of ${name}: ${res.status} ${res.text}`);
    return res.body.items;
  };
  const livePods = async (name: Target) => (await podsOf(name)).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  /** At zero: no pod left, and the revision's ServerlessService in Proxy (the activator in the path). */
  const atZero = async (name: Target): Promise<boolean> => {
    const revision = (await readKnativeService(rest, namespace, name)).status?.latestReadyRevisionName;
    const sks = await rest.call<{ spec: { mode: string } }>('GET', `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${namespace}/serverlessservices/${revision}`);
    return (await podsOf(name)).length === 0 && sks.status === 200 && sks.body.spec.mode === 'Proxy';
  };
  const untilAtZero = (names: Target[]) => Promise.all(names.map((name) => until(`${name} at zero`, async () => ((await atZero(name)) ? true : undefined), 300_000, 500)));

  // ---- plays of the installed shipped template waiting at wait-pr-created (dev/stack/argo/plays.ts startPlay) ----
  // Nothing is simulated: the template's own steps take a play to its gate. It starts labelled
  // implementation-in-progress, Rex's step creates his CodeRun and waits for it (a pod; the stack's agents' side
  // ends the CodeRun Succeeded), a stage step (a pod) writes waiting-pr-created, then the suspend node waits. The
  // label is written before the node exists (an event in between is answered 503 "between steps"), so a play is
  // ready when both hold. Its pods take seconds on 2 cores: plays are made ready before any timing starts.
  interface Play { task: number; name: string }
  const readWorkflow = async (name: string): Promise<Workflow | undefined> => {
    const res = await rest.call<Workflow>('GET', `${workflowsPath}/${name}`);
    return res.status === 200 ? res.body : undefined;
  };
  const nodePhases = (wf: Workflow | undefined, displayName: string) => Object.values(wf?.status?.nodes ?? {}).filter((n) => n.displayName === displayName).map((n) => n.phase);
  const untilWaiting = (name: string, suspendNode: string, stage: string) =>
    until(`${name}: ${suspendNode} waiting at stage ${stage}`, async () => {
      const wf = await readWorkflow(name);
      return nodePhases(wf, suspendNode).includes('Running') && wf?.metadata.labels?.[WORKFLOW_LABELS.stage] === stage ? true : undefined;
    }, 240_000, 250);
  let lastTask = 800_000 + (Date.now() % 100_000);
  async function playAtGate(): Promise<Play> {
    const task = (lastTask += 1);
    const name = await startPlay({ rest, namespace, task, repository, parameters: { service: 'bench' } });
    await untilWaiting(name, gate, 'waiting-pr-created');
    return { task, name };
  }
  /**
   * Resumed, a play goes on by itself: a stage step, Cleo's CodeRun, a stage step (3 pods), then it waits at
   * wait-ready-for-qa. Waited for (untimed) before the next timed request, so no play's pods run while one is timed.
   */
  const untilSettled = (play: Play) => untilWaiting(play.name, 'wait-ready-for-qa', 'waiting-ready-for-qa');
  /** Deletes plays (their pods and CodeRuns go with them, by owner reference), so pods do not pile up. */
  async function deletePlays(plays: Play[]): Promise<void> {
    for (const play of plays) {
      const res = await rest.call('DELETE', `${workflowsPath}/${play.name}`, { propagationPolicy: 'Background' });
      if (![200, 202, 404].includes(res.status)) throw new Error(`delete play ${play.name}: ${res.status} ${res.text}`);
    }
  }
  const gateSucceeded = async (name: string) => (nodePhases(await readWorkflow(name), gate).includes('Succeeded') ? true : undefined);

  const prOpened = (task: number, delivery: string) => {
    const { payload } = scenarioPayload('pr-opened', { task, repository });
    return sensorRequest(stack.triggerToken, 'pull_request', payload, delivery);
  };
  const post = (target: Target, request: { headers: Record<string, string>; body: string }) => postThroughIngress(ingress, hosts[target], request.headers, request.body);
  const floorRequest = { headers: { 'Content-Type': 'application/json' }, body: '{}' };

  function expectResumed(target: Target, answer: IngressResponse, workflow: string): void {
    if (answer.status !== 200) throw new Error(`${target} answered ${answer.status}: ${answer.body}`);
    const parsed = JSON.parse(answer.body) as { outcome?: string; workflow?: string };
    if (parsed.outcome !== 'resumed' || parsed.workflow !== workflow) throw new Error(`${target} did not resume ${workflow}: ${answer.body}`);
  }

  /** One sample from zero: the HTTP answer and (for the functions) the gate Succeeded, ms from the request. */
  async function fromZero(target: Target, play?: Play): Promise<{ answerMs: number; gateMs?: number }> {
    if (!(await atZero(target))) await untilAtZero([target]);
    if (target === FLOOR) {
      const started = performance.now();
      const answer = await post(FLOOR, floorRequest);
      if (answer.status !== 200) throw new Error(`${FLOOR} answered ${answer.status}: ${answer.body}`);
      return { answerMs: performance.now() - started };
    }
    const request = prOpened(play!.task, `bench-zero-${randomUUID()}`);
    const started = performance.now();
    let answerMs = 0;
    const answered = post(target, request).then((answer) => {
      answerMs = performance.now() - started;
      return answer;
    });
    await until(`${play!.name} resumed by ${target}`, () => gateSucceeded(play!.name), 120_000, 10);
    const gateMs = performance.now() - started;
    expectResumed(target, await answered, play!.name);
    return { answerMs, gateMs };
  }

  // ---- 1. from zero, through the ingress ----
  const cold = { answer: { [OURS]: [], [PEER]: [], [FLOOR]: [] } as Record<Target, number[]>, gate: { [OURS]: [], [PEER]: [] } as Record<string, number[]> };
  for (let round = 0; round < samples; round += 1) {
    // Untimed preparation: both plays at their gate (created concurrently), then the three Services at zero.
    const [ours, peer] = await Promise.all([playAtGate(), playAtGate()]);
    const plays: Record<string, Play> = { [OURS]: ours, [PEER]: peer };
    await untilAtZero(targets);
    // The order rotates each round, so no target always goes first after the wait.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    const line: string[] = [];
    for (const target of order) {
      const sample = await fromZero(target, plays[target]);
      if (plays[target]) await untilSettled(plays[target]);
      cold.answer[target].push(sample.answerMs);
      if (sample.gateMs !== undefined) cold.gate[target]!.push(sample.gateMs);
      line.push(`${target} ${sample.answerMs.toFixed(0)} ms${sample.gateMs !== undefined ? ` (gate ${sample.gateMs.toFixed(0)} ms)` : ''}`);
    }
    log(`from zero ${round + 1}/${samples}: ${line.join(', ')}`);
    await deletePlays(Object.values(plays));
  }

  // ---- 2. warm, through the ingress: a pod up, sequential requests ----
  const warm = {} as Record<Target, number[]>;
  const warmPlay = await playAtGate();
  const warmDelivery = `bench-warm-${randomUUID()}`;
  for (const target of [OURS, PEER] as const) {
    // The first answer resumes the play (pr-opened) or finds it resumed by the other (the peer); every later one is a duplicate.
    const first = await post(target, prOpened(warmPlay.task, warmDelivery));
    if (first.status !== 200) throw new Error(`${target} answered ${first.status}: ${first.body}`);
  }
  await untilSettled(warmPlay);
  const outcomes = new Map<string, number>();
  for (const target of targets) {
    // A pod up before timing (it may have scaled down while the others were measured).
    await post(target, target === FLOOR ? floorRequest : prOpened(warmPlay.task, warmDelivery));
    warm[target] = [];
    for (let i = 0; i < warmRequests; i += 1) {
      const request = target === FLOOR ? floorRequest : prOpened(warmPlay.task, warmDelivery);
      const started = performance.now();
      const answer = await post(target, request);
      warm[target].push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`${target} answered ${answer.status} warm: ${answer.body}`);
      if (target !== FLOOR) {
        const key = `${target}: ${(JSON.parse(answer.body) as { outcome?: string }).outcome}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
  }
  log(`warm outcomes: ${[...outcomes].map(([k, n]) => `${k} ×${n}`).join(', ')}`);

  // ---- 3. memory as the kubelet reports it, with each pod up and idle between a request every 2 s ----
  interface ContainerStats { name: string; memory?: { workingSetBytes?: number; rssBytes?: number; usageBytes?: number; time?: string } }
  interface Summary { pods: { podRef: { name: string; namespace: string }; containers?: ContainerStats[] }[] }
  let keepUp = true;
  const trickle = (async () => {
    while (keepUp) {
      await Promise.all(targets.map((t) => post(t, t === FLOOR ? floorRequest : prOpened(warmPlay.task, warmDelivery)).catch(() => undefined)));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  })();
  const memory = {} as Record<Target, { pod: string; app: ContainerStats['memory']; queue: ContainerStats['memory'] }>;
  let memoryError: string | undefined;
  try {
    // Let the pods settle after the warm burst, then read until the kubelet has stats for every container.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    for (const target of targets) {
      memory[target] = await until(`kubelet memory stats of ${target}`, async () => {
        const pods = await livePods(target);
        if (pods.length !== 1) return undefined;
        const summary = await rest.call<Summary>('GET', `/api/v1/nodes/${nodeName}/proxy/stats/summary`);
        if (summary.status !== 200) throw new Error(`GET stats/summary: ${summary.status} ${summary.text}`);
        const pod = summary.body.pods.find((p) => p.podRef.namespace === namespace && p.podRef.name === pods[0]!.metadata.name);
        const app = pod?.containers?.find((c) => c.name === 'function')?.memory;
        const queue = pod?.containers?.find((c) => c.name === 'queue-proxy')?.memory;
        return app?.workingSetBytes && queue?.workingSetBytes ? { pod: pods[0]!.metadata.name, app, queue } : undefined;
      }, 90_000, 2_000);
    }
  } catch (error) {
    // Reported with the other figures rather than losing them.
    memoryError = String(error);
    log(`memory: ${memoryError}`);
  } finally {
    keepUp = false;
    await trickle;
  }
  await deletePlays([warmPlay]);

  // ---- 1b. the full path for pr-opened: signed webhook → EventSource → a Sensor calling the Knative URL ----
  // The generated Sensor with the default function URL (http://pr-opened.<namespace>.svc.cluster.local), under a
  // name of its own; the stack's own pr-opened Sensor (which calls the host-process function) is stopped meanwhile,
  // so only the Knative pod resumes the gate.
  const full: number[] = [];
  let fullError: string | undefined;
  try {
    const sensorFiles = buildManifests({ namespace, webhookSecret: secretRefs.webhookSecret, sensorTokenSecret: secretRefs.sensorTokenSecret, acceptedTokensSecret: secretRefs.acceptedTokensSecret });
    const sensor = objectsOf(sensorFiles, (f) => f.path === `argo/events/sensors/${OURS}.yaml`).find((o) => o.kind === 'Sensor');
    if (!sensor) throw new Error(`the generator emitted no Sensor in argo/events/sensors/${OURS}.yaml`);
    if (!JSON.stringify(sensor.spec).includes(`"url":"http://${hosts[OURS]}"`)) throw new Error(`the generated Sensor does not call http://${hosts[OURS]}`);
    const killed = await fetch(`${stack.controlUrl}/processes/sensor-${sensor.metadata.name}/kill`, { method: 'POST', headers: { Authorization: `Bearer ${stack.controlToken}` } });
    if (!killed.ok) throw new Error(`stopping the stack's ${sensor.metadata.name} Sensor: ${killed.status} ${await killed.text()}`);
    extraProcesses.push(await stack.startSensor!({ ...sensor, metadata: { ...sensor.metadata, name: `${OURS}-knative` } }));
    log(`Sensor ${OURS}-knative calls http://${hosts[OURS]}; the stack's ${sensor.metadata.name} Sensor is stopped`);
    for (let i = 0; i < samples; i += 1) {
      const play = await playAtGate();
      await untilAtZero([OURS]);
      const { event, payload } = scenarioPayload('pr-opened', { task: play.task, repository });
      const started = performance.now();
      const sent = await deliverWebhook({ url: stack.eventSourceUrl!, event, payload, secret: stack.webhookSecret, delivery: randomUUID() });
      if (sent.status !== 200) throw new Error(`EventSource answered ${sent.status}: ${sent.body}`);
      await until(`${play.name} resumed through the Sensor`, () => gateSucceeded(play.name), 120_000, 10);
      full.push(performance.now() - started);
      log(`full path from zero ${i + 1}/${samples}: ${full.at(-1)!.toFixed(0)} ms`);
      await untilSettled(play);
      await deletePlays([play]);
    }
  } catch (error) {
    fullError = String(error);
    log(`full path: ${fullError}`);
  }

  // ---- report ----
  const ms = (values: number[], p: number) => percentile(values, p).toFixed(0);
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const versions = readComponents();
  console.log(`\nScale from zero on Knative Serving ${versions['knative-serving'].version} (Traefik ${versions.traefik.version} ingress, Kubernetes ${versions.kubernetes.version}), Node ${readImagePins().node.version} in the images, faas-js-runtime ${faasJsRuntimeVersion()}; ${samples} samples from zero, ${warmRequests} warm requests each`);
  console.log('\n1. From zero (no pod, ServerlessService Proxy), through the ingress: request → HTTP answer; for the functions also request → gate Succeeded');
  const coldRows = targets.map((t) => {
    const gateValues = cold.gate[t];
    return [label[t], ms(cold.answer[t], 50), ms(cold.answer[t], 99), gateValues ? ms(gateValues, 50) : '—', gateValues ? ms(gateValues, 99) : '—', ratio(percentile(cold.answer[t], 50), percentile(cold.answer[FLOOR], 50)), String(cold.answer[t].length)];
  });
  printTable(['service', 'answer p50 ms', 'answer p99 ms', 'gate p50 ms', 'gate p99 ms', 'answer p50 / floor', 'n'], coldRows);
  console.log(`ratio handoff/peer (answer): p50 ${ratio(percentile(cold.answer[OURS], 50), percentile(cold.answer[PEER], 50))}, p99 ${ratio(percentile(cold.answer[OURS], 99), percentile(cold.answer[PEER], 99))}; (gate): p50 ${ratio(percentile(cold.gate[OURS]!, 50), percentile(cold.gate[PEER]!, 50))}, p99 ${ratio(percentile(cold.gate[OURS]!, 99), percentile(cold.gate[PEER]!, 99))}`);
  if (fullError) console.log(`\n1b. Full path from zero, pr-opened: not measured (${full.length} samples before it failed): ${fullError}`);
  else console.log(`\n1b. Full path from zero, pr-opened: signed webhook → EventSource → Sensor → Knative URL → gate Succeeded: p50 ${ms(full, 50)} ms, p99 ${ms(full, 99)} ms (n ${full.length}); p50 over the direct path's gate p50: ${ratio(percentile(full, 50), percentile(cold.gate[OURS]!, 50))}`);
  console.log('\n2. Warm, through the ingress, sequential requests with a pod up (the functions: a duplicate delivery of a resumed play; the floor: a POST)');
  printTable(['service', 'p50 ms', 'p99 ms', 'p50 / floor', 'n'], targets.map((t) => [label[t], ms(warm[t], 50), ms(warm[t], 99), ratio(percentile(warm[t], 50), percentile(warm[FLOOR], 50)), String(warm[t].length)]));
  console.log(`ratio handoff/peer: p50 ${ratio(percentile(warm[OURS], 50), percentile(warm[PEER], 50))}, p99 ${ratio(percentile(warm[OURS], 99), percentile(warm[PEER], 99))}`);
  console.log('\n3. Memory per pod as the kubelet reports it (GET /api/v1/nodes/<node>/proxy/stats/summary), pods up, a request every 2 s');
  const mib = (bytes: number | undefined) => (bytes === undefined ? '—' : (bytes / 1024 / 1024).toFixed(1));
  if (memoryError) console.log(`not read: ${memoryError}`);
  else printTable(
    ['service', 'app working set MiB', 'app RSS MiB', 'queue-proxy working set MiB', 'queue-proxy RSS MiB', 'app working set / floor'],
    targets.map((t) => [label[t], mib(memory[t].app?.workingSetBytes), mib(memory[t].app?.rssBytes), mib(memory[t].queue?.workingSetBytes), mib(memory[t].queue?.rssBytes), ratio(memory[t].app!.workingSetBytes!, memory[FLOOR].app!.workingSetBytes!)]),
  );
  if (!memoryError) console.log(`ratio handoff/peer (app working set): ${ratio(memory[OURS].app!.workingSetBytes!, memory[PEER].app!.workingSetBytes!)}; pods ${targets.map((t) => memory[t].pod).join(', ')}`);

  // Peer: the same app on faas-js-runtime; floor: helloworld (none for the gate, which the floor has not).
  const peerName = 'faas-js-runtime';
  const figures: Figure[] = [];
  for (const p of [50, 99]) {
    figures.push(
      figure({ name: `scale-from-zero.p${p}`, unit: 'ms', handoff: percentile(cold.answer[OURS], p), peer: { name: peerName, value: percentile(cold.answer[PEER], p) }, floor: percentile(cold.answer[FLOOR], p) }),
      figure({ name: `scale-from-zero.gate.p${p}`, unit: 'ms', handoff: percentile(cold.gate[OURS]!, p), peer: { name: peerName, value: percentile(cold.gate[PEER]!, p) } }),
      figure({ name: `knative.warm.p${p}`, unit: 'ms', handoff: percentile(warm[OURS], p), peer: { name: peerName, value: percentile(warm[PEER], p) }, floor: percentile(warm[FLOOR], p) }),
    );
  }
  if (!fullError) for (const p of [50, 99]) figures.push(figure({ name: `scale-from-zero.full-path.p${p}`, unit: 'ms', handoff: percentile(full, p) }));
  if (!memoryError) {
    figures.push(figure({ name: 'knative.memory.working-set', unit: 'bytes', handoff: memory[OURS].app!.workingSetBytes!, peer: { name: peerName, value: memory[PEER].app!.workingSetBytes! }, floor: memory[FLOOR].app!.workingSetBytes! }));
  }
  const file = writeResults('knative-cold', {
    versions: versionsOf(['knative-serving', 'traefik', 'kubernetes', 'argo-workflows', 'argo-events'], { 'node-in-images': readImagePins().node.version, 'faas-js-runtime': faasJsRuntimeVersion() }),
    figures,
  });
  console.log(`results: ${file}`);
} finally {
  for (const p of extraProcesses) await p.stop().catch((error: unknown) => log(`stopping ${p.name}: ${String(error)}`));
  await stack.stop();
}
