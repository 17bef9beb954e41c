/**
 * Resume latency against a real kube-apiserver + etcd, and how it scales with the
 * number of workflows in the namespace (10 vs 5,000). The peer, measured side by
 * side on the same workflows: `argo resume --node-field-selector`, the command Argo
 * Events' native argoWorkflow trigger execs per event. The floor, alternated with both: the
 * API calls of one resume issued from this process with no function in between (list by
 * labels, then a resourceVersion-checked PUT of the same write, planResume; no GET). The second floor, the
 * "least function": the same two calls made by a bare node:http server receiving the same request
 * (dev/bench/peer/least-resume-server.ts), so the HTTP hop any function pays is in it and only Handoff's own work is
 * not. Writes .handoff/bench/apiserver-resume.json.
 *
 *   npm run build && npm run bench:apiserver [-- --events 60 --large 5000]
 */
import { execFile } from 'node:child_process';
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBinaries } from '../stack/binaries/binaries';
import { startControlPlane } from '../stack/control-plane/control-plane';
import { freePort } from '../stack/processes/ports';
import { spawnManaged, waitFor } from '../stack/processes/processes';
import { repoRoot } from '../stack/binaries/versions';
import { pullRequestEvent, sensorEnvelope } from '../../test/fixtures/github-events';
import { playWorkflow } from '../../test/fixtures/workflows';
import { PR_OPENED } from '../../shared/declarations';
import { WORKFLOW_LABELS } from '../../shared/contract';
import { planResume } from '../../shared/kubernetes/plan-resume';
import type { Workflow } from '../../shared/kubernetes/workflow';
import { BUNDLE_ALIASES, BUNDLE_PLUGINS } from '../scripts/bundle/options';
import { imageNodeWithCompileCache } from './image-node';
import { keepAliveClient } from './load';
import { percentile } from './report';
import { printTable } from '../scripts/table';
import { figure, versionsOf, writeResults } from './results';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const events = arg('events', 60);
const small = 10;
const large = arg('large', 5000);
const exec = promisify(execFile);
const log = (line: string) => console.error(`[bench] ${line}`);

const workDir = join(repoRoot, '.handoff', 'bench', 'run');
const logDir = join(repoRoot, '.handoff', 'logs', 'bench');
rmSync(workDir, { recursive: true, force: true }); // a fresh etcd every run
mkdirSync(logDir, { recursive: true });
const binaries = await ensureBinaries(['etcd', 'kube-apiserver', 'argo'], { onProgress: log });
const plane = await startControlPlane({ binaries, workDir, logDir, namespace: 'argo', startTimeoutMs: 300_000, log });
const { rest } = plane.apiServer;
const port = await freePort();
// The function runs on the image's Node.js, with the compile cache the image ships (as bench:cold-start).
const { node, version: nodeVersion } = imageNodeWithCompileCache(log);
const fn = spawnManaged({
  name: 'bench-pr-opened',
  command: node,
  args: [join(repoRoot, 'dist/functions/pr-opened/index.js')],
  env: { ...process.env, KUBECONFIG: plane.kubeconfig, NAMESPACE: 'argo', TRIGGER_TOKENS: 'bench', PORT: String(port), LOG_LEVEL: 'warn' },
  logDir,
});
// The least function, bundled as the functions are and run on the same Node.js.
const leastBundle = join(workDir, 'least-resume-server.mjs');
await build({
  entryPoints: [join(repoRoot, 'dev/bench/peer/least-resume-server.ts')],
  outfile: leastBundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  alias: { ...BUNDLE_ALIASES },
  plugins: [...BUNDLE_PLUGINS],
  logLevel: 'warning',
});
const leastPort = await freePort();
const least = spawnManaged({
  name: 'bench-least-function',
  command: node,
  args: [leastBundle],
  env: { ...process.env, KUBECONFIG: plane.kubeconfig, NAMESPACE: 'argo', TRIGGER_TOKENS: 'bench', PORT: String(leastPort) },
  logDir,
});

let created = 0;
/** Creates waiting play workflows for tasks from..to (the API server takes status on create: the CRD has no status subresource). */
async function seed(from: number, to: number): Promise<void> {
  const tasks = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let task = tasks.shift(); task !== undefined; task = tasks.shift()) {
        const res = await rest.call('POST', '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows', playWorkflow({ name: `play-${task}`, task: String(task) }));
        if (res.status !== 201) throw new Error(`seed play-${task}: ${res.status} ${res.text}`);
        created += 1;
      }
    }),
  );
}

/** Puts a resumed workflow back at its gate, so a small namespace can serve many events (not timed). */
async function rearm(task: number): Promise<void> {
  const path = `/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/play-${task}`;
  const current = await rest.call<{ metadata: { resourceVersion: string } }>('GET', path);
  const fresh = playWorkflow({ name: `play-${task}`, task: String(task) });
  fresh.metadata.resourceVersion = current.body.metadata.resourceVersion;
  delete fresh.metadata.uid; // the API server's own uid stays
  const res = await rest.call('PUT', path, fresh);
  if (res.status !== 200) throw new Error(`rearm play-${task}: ${res.status} ${res.text}`);
}

let deliveries = 0;
// The Sensor's side of the hop, as cheap as this process can make it: one kept-alive node:http connection.
const sensor = keepAliveClient();
async function viaFunction(task: number, to = port): Promise<number> {
  const body = JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('opened', { task }), `bench-${(deliveries += 1)}`));
  const started = performance.now();
  const response = await sensor.post(`http://127.0.0.1:${to}/`, body, { 'content-type': 'application/json', authorization: 'Bearer bench' });
  const elapsed = performance.now() - started;
  const answer = JSON.parse(response.text) as { outcome: string };
  if (answer.outcome !== 'resumed') throw new Error(`task ${task}: ${JSON.stringify(answer)}`);
  return elapsed;
}

async function viaArgoCli(task: number): Promise<number> {
  const started = performance.now();
  await exec(binaries.argo, ['resume', `play-${task}`, '-n', 'argo', '--kubeconfig', plane.kubeconfig, '--node-field-selector', 'displayName=wait-pr-created']);
  return performance.now() - started;
}

const workflowsPath = '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows';
/** The floor: the minimum a correct resume needs (a label-selected list, then a resourceVersion-checked PUT), straight from this process. */
async function viaApiOnly(task: number): Promise<number> {
  const selector = `${WORKFLOW_LABELS.type}=${WORKFLOW_LABELS.typeValue},${WORKFLOW_LABELS.taskId}=${task}`;
  const started = performance.now();
  const list = await rest.call<{ items: Workflow[] }>('GET', `${workflowsPath}?labelSelector=${encodeURIComponent(selector)}`);
  const listed = list.body.items?.[0];
  const name = listed?.metadata.name;
  if (list.status !== 200 || list.body.items.length !== 1 || !listed || !name) throw new Error(`floor: list ${selector}: ${list.status} ${list.text.slice(0, 200)}`);
  // No GET: the list returned the object and its resourceVersion, and the PUT is checked against it.
  const { fromStages, parkFrom, suspendNodes, nextStage, outputs } = PR_OPENED;
  const plan = planResume(listed, { name, actor: PR_OPENED.name, fromStages, parkFrom, suspendNodes, nextStage, outputs, dedupKeys: [`bench-floor-${(deliveries += 1)}`] }, new Date());
  if (plan.outcome !== 'resumed') throw new Error(`floor: ${name}: ${plan.outcome}`);
  const put = await rest.call('PUT', `${workflowsPath}/${name}`, plan.workflow);
  if (put.status !== 200) throw new Error(`floor: put ${name}: ${put.status} ${put.text}`);
  return performance.now() - started;
}

/** Alternates the four, `events` each, cycling over tasks first..last and re-arming them; latencies in ms. */
async function measure(first: number, last: number): Promise<{ ours: number[]; peer: number[]; floor: number[]; leastFunction: number[] }> {
  const cell = { ours: [] as number[], peer: [] as number[], floor: [] as number[], leastFunction: [] as number[] };
  const span = last - first + 1;
  const taskOf = (n: number) => first + (n % span);
  const ways = [
    [cell.ours, (task: number) => viaFunction(task)],
    [cell.peer, viaArgoCli],
    [cell.floor, viaApiOnly],
    [cell.leastFunction, (task: number) => viaFunction(task, leastPort)],
  ] as const;
  for (let i = 0; i < events; i += 1) {
    for (const [k, [samples, via]] of ways.entries()) {
      const task = taskOf(ways.length * i + k);
      await rearm(task);
      samples.push(await via(task));
    }
  }
  return cell;
}

try {
  await waitFor('pr-opened function', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 30_000, fn);
  await waitFor('least function', async () => (await fetch(`http://127.0.0.1:${leastPort}/healthz`).catch(() => undefined))?.ok === true, 30_000, least);
  await seed(1, small);
  await viaFunction(100_000).catch(() => undefined); // warm the function's clients (answers no-workflow)
  await viaFunction(100_000, leastPort).catch(() => undefined);
  const atSmall = await measure(1, small);
  const smallCount = created;
  await seed(small + 1, large);
  const atLarge = await measure(large - small + 1, large);
  const fmt = (values: number[]) => `${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)}`;
  const p50 = (values: number[]) => percentile(values, 50);

  console.log(`One resume against a real kube-apiserver (${events} events per cell, sequential; the function on node ${nodeVersion}, the image's)`);
  const row = (count: number, cell: typeof atSmall) => [
    String(count),
    fmt(cell.ours),
    fmt(cell.peer),
    fmt(cell.floor),
    fmt(cell.leastFunction),
    (p50(cell.ours) / p50(cell.peer)).toFixed(2),
    (p50(cell.ours) / p50(cell.floor)).toFixed(2),
    (p50(cell.leastFunction) / p50(cell.floor)).toFixed(2),
    (p50(cell.ours) / p50(cell.leastFunction)).toFixed(2),
  ];
  printTable(
    ['workflows in namespace', 'handoff p50 / p99 ms', 'argo resume p50 / p99 ms', 'floor (API calls only) p50 / p99 ms', 'least function p50 / p99 ms', 'ratio (p50)', 'ratio to floor (p50)', 'least function to floor (p50)', 'handoff to least function (p50)'],
    [row(smallCount, atSmall), row(created, atLarge)],
  );
  console.log(`scale ratio (p50 at ${created} / at ${smallCount}): handoff ${(p50(atLarge.ours) / p50(atSmall.ours)).toFixed(2)}, argo resume ${(p50(atLarge.peer) / p50(atSmall.peer)).toFixed(2)}, floor ${(p50(atLarge.floor) / p50(atSmall.floor)).toFixed(2)}`);

  // The headline is the large namespace; `.small-namespace` the one of `small` workflows.
  const cellFigures = (prefix: string, cell: typeof atSmall) =>
    [50, 99].map((p) =>
      figure({ name: `${prefix}.p${p}`, unit: 'ms', handoff: percentile(cell.ours, p), peer: { name: 'argo-resume', value: percentile(cell.peer, p) }, floor: percentile(cell.floor, p) }),
    );
  // The least function as the floor: a ratio of 1 would mean Handoff adds nothing to the hop every function pays.
  const leastFigures = (prefix: string, cell: typeof atSmall) =>
    [50, 99].map((p) => figure({ name: `${prefix}.least-function.p${p}`, unit: 'ms', handoff: percentile(cell.ours, p), floor: percentile(cell.leastFunction, p) }));
  const file = writeResults('apiserver-resume', {
    versions: { ...versionsOf(['kubernetes', 'etcd', 'argo-workflows']), node: nodeVersion },
    figures: [
      ...cellFigures('apiserver.resume', atLarge),
      ...cellFigures('apiserver.resume.small-namespace', atSmall),
      ...leastFigures('apiserver.resume', atLarge),
      ...leastFigures('apiserver.resume.small-namespace', atSmall),
    ],
  });
  console.log(`results: ${file}`);
} finally {
  sensor.close();
  await fn.stop();
  await least.stop();
  for (const process of plane.processes) await process.stop();
}
