/**
 * End to end on the real local stack: from a signed webhook POSTed into the Argo Events GitHub
 * EventSource until the suspend node is Succeeded. Ours: EventSource → JetStream → our approved
 * Sensor → HTTP trigger → the approved function → one resume write. The peer, in the same run,
 * iterations alternated: Argo Events' native argoWorkflow `resume` trigger on a workflow with a
 * fixed name (the Sensor execs the argo CLI). Both resume the same one-step suspend workflow.
 * Writes .handoff/bench/end-to-end.json (dev/bench/results.ts).
 *
 *   npm run build && npm run bench:end-to-end [-- --iterations 20]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureBinaries } from '../stack/binaries/binaries';
import type { KubeRest } from '../stack/kube-rest';
import { scenarioPayload } from '../stack/github/payloads';
import { startStack } from '../stack/stack';
import { repoRoot } from '../stack/binaries/versions';
import { deliverWebhook } from '../stack/github/webhook';
import { PEER_REVIEWER, PEER_WORKFLOW, argoWorkflowResumeSensor } from './peer/argo-workflow-resume-sensor';
import { percentile } from './report';
import { printTable } from '../scripts/table';
import { figure, versionsOf, writeResults } from './results';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const iterations = arg('iterations', Number(process.env.BENCH_E2E_ITERATIONS) || 20);
const log = (line: string) => console.error(`[bench] ${line}`);
const repository = 'Codertocat/Hello-World';
const gate = 'wait-pr-approved';

interface Node { displayName: string; phase?: string }
const workflowsPath = (ns: string) => `/apis/argoproj.io/v1alpha1/namespaces/${ns}/workflows`;

/** One suspend step named like the play's gate; ours carries the labels the approved function selects on. */
function gateWorkflow(name: { name?: string; generateName?: string }, labels?: Record<string, string>) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { ...name, labels },
    spec: { entrypoint: 'main', templates: [{ name: 'main', steps: [[{ name: gate, template: 'wait' }]] }, { name: 'wait', suspend: {} }] },
  };
}

async function gatePhase(rest: KubeRest, ns: string, name: string): Promise<string | undefined> {
  const res = await rest.call<{ status?: { nodes?: Record<string, Node> } }>('GET', `${workflowsPath(ns)}/${name}`);
  if (res.status !== 200) return undefined;
  return Object.values(res.body.status?.nodes ?? {}).find((n) => n.displayName === gate)?.phase;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const stack = await startStack({ workDir: join(repoRoot, '.handoff', 'bench-e2e', 'run'), logDir: join(repoRoot, '.handoff', 'logs', 'bench-e2e'), log });
try {
  const { rest, namespace, eventSourceUrl, webhookSecret } = stack;
  const argo = (await ensureBinaries(['argo']))['argo'];
  await stack.startSensor!(argoWorkflowResumeSensor(namespace), { kubeApi: true, env: { PATH: `${dirname(argo)}:${process.env.PATH}` } });
  log('peer Sensor (argoWorkflow resume trigger) subscribed');

  /** Creates the workflow, waits for the gate, delivers the webhook and times it until the gate is Succeeded. */
  async function measure(create: () => Promise<string>, payload: Record<string, unknown>, event: string): Promise<number> {
    const name = await create();
    await until(`${name} waiting at ${gate}`, async () => (await gatePhase(rest, namespace, name)) === 'Running', 60_000, 100);
    const started = performance.now();
    const sent = await deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret });
    if (sent.status !== 200) throw new Error(`EventSource answered ${sent.status}: ${sent.body}`);
    await until(`${name} resumed`, async () => (await gatePhase(rest, namespace, name)) === 'Succeeded', 120_000, 5);
    return performance.now() - started;
  }

  let task = 900_000 + (Date.now() % 50_000);
  const ours = async () => {
    task += 1;
    const labels = { 'workflow-type': 'play-orchestration', 'task-id': String(task), repository: 'codertocat-hello-world', 'current-stage': 'waiting-pr-approved' };
    const { event, payload } = scenarioPayload('approved', { task, repository });
    return measure(async () => {
      const res = await rest.call<{ metadata: { name: string } }>('POST', workflowsPath(namespace), gateWorkflow({ generateName: `bench-ours-${task}-` }, labels));
      if (res.status !== 201) throw new Error(`create: ${res.status} ${res.text}`);
      return res.body.metadata.name;
    }, payload, event);
  };
  // The trigger reads the workflow back after `argo resume`; deleting it before that read makes the
  // trigger fail and retry its event against the next iteration's workflow of the same name.
  const peerLog = join(stack.logDir, 'sensor-bench-peer-resume.log');
  const peerSuccesses = () => readFileSync(peerLog, 'utf8').split("Successfully processed trigger 'resume-peer'").length - 1;
  const peer = async () => {
    const before = peerSuccesses();
    const { event, payload } = scenarioPayload('approved', { task: 1, repository });
    payload.review.user.login = PEER_REVIEWER;
    payload.sender.login = PEER_REVIEWER;
    const elapsed = await measure(async () => {
      const res = await rest.call('POST', workflowsPath(namespace), gateWorkflow({ name: PEER_WORKFLOW }));
      if (res.status !== 201) throw new Error(`create ${PEER_WORKFLOW}: ${res.status} ${res.text}`);
      return PEER_WORKFLOW;
    }, payload, event);
    await until('the peer trigger finished', async () => peerSuccesses() > before, 60_000, 20);
    await rest.call('DELETE', `${workflowsPath(namespace)}/${PEER_WORKFLOW}`);
    await until(`${PEER_WORKFLOW} deleted`, async () => (await rest.call('GET', `${workflowsPath(namespace)}/${PEER_WORKFLOW}`)).status === 404, 60_000, 100);
    return elapsed;
  };

  log('warm-up: one of each, not counted');
  await ours();
  await peer();
  const samples = { ours: [] as number[], peer: [] as number[] };
  for (let i = 0; i < iterations; i += 1) {
    samples.ours.push(await ours());
    samples.peer.push(await peer());
    log(`iteration ${i + 1}/${iterations}: ours ${samples.ours.at(-1)!.toFixed(0)} ms, peer ${samples.peer.at(-1)!.toFixed(0)} ms`);
  }

  const row = (name: string, values: number[]) => [name, percentile(values, 50).toFixed(0), percentile(values, 99).toFixed(0), (values.reduce((a, b) => a + b, 0) / values.length).toFixed(0), String(values.length)];
  console.log(`End to end, signed webhook → EventSource → Sensor → suspend node Succeeded, ${iterations} iterations each, alternated (node ${process.version})`);
  printTable(['path', 'p50 ms', 'p99 ms', 'mean ms', 'n'], [row('handoff (HTTP trigger → approved function)', samples.ours), row('argoWorkflow resume trigger (argo CLI)', samples.peer)]);
  console.log(`ratio handoff/peer: p50 ${(percentile(samples.ours, 50) / percentile(samples.peer, 50)).toFixed(2)}, p99 ${(percentile(samples.ours, 99) / percentile(samples.peer, 99)).toFixed(2)}`);
  const file = writeResults('end-to-end', {
    versions: versionsOf(['kubernetes', 'etcd', 'argo-workflows', 'argo-events', 'nats-server']),
    figures: [50, 99].map((p) =>
      figure({ name: `end-to-end.p${p}`, unit: 'ms', handoff: percentile(samples.ours, p), peer: { name: 'argo-events-argoworkflow-resume', value: percentile(samples.peer, p) } }),
    ),
  });
  console.log(`results: ${file}`);
} finally {
  await stack.stop();
}
