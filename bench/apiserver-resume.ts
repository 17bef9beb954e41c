/**
 * Resume latency against a real kube-apiserver + etcd, and how it scales with the
 * number of workflows in the namespace (10 vs 5,000). The peer, measured side by
 * side on the same workflows: `argo resume --node-field-selector`, the command Argo
 * Events' native argoWorkflow trigger execs per event.
 *
 *   npm run build && npm run bench:apiserver [-- --events 60 --large 5000]
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBinaries } from '../harness/binaries';
import { startControlPlane } from '../harness/control-plane';
import { freePort } from '../harness/ports';
import { spawnManaged, waitFor } from '../harness/processes';
import { repoRoot } from '../harness/versions';
import { pullRequestEvent, sensorEnvelope } from '../test/fixtures/github-events';
import { playWorkflow } from '../test/fixtures/workflows';
import { percentile, printTable } from './report';

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
const fn = spawnManaged({
  name: 'bench-pr-opened',
  command: process.execPath,
  args: [join(repoRoot, 'dist/functions/pr-opened/index.js')],
  env: { ...process.env, KUBECONFIG: plane.kubeconfig, NAMESPACE: 'argo', TRIGGER_TOKENS: 'bench', PORT: String(port), LOG_LEVEL: 'warn' },
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
async function viaFunction(task: number): Promise<number> {
  const body = JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('opened', { task }), `bench-${(deliveries += 1)}`));
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer bench' } });
  const answer = (await response.json()) as { outcome: string };
  const elapsed = performance.now() - started;
  if (answer.outcome !== 'resumed') throw new Error(`task ${task}: ${JSON.stringify(answer)}`);
  return elapsed;
}

async function viaArgoCli(task: number): Promise<number> {
  const started = performance.now();
  await exec(binaries.argo, ['resume', `play-${task}`, '-n', 'argo', '--kubeconfig', plane.kubeconfig, '--node-field-selector', 'displayName=wait-pr-created']);
  return performance.now() - started;
}

/** Alternates the two, `events` each, cycling over tasks first..last and re-arming them; latencies in ms. */
async function measure(first: number, last: number): Promise<{ ours: number[]; peer: number[] }> {
  const ours: number[] = [];
  const peer: number[] = [];
  const span = last - first + 1;
  for (let i = 0; i < events; i += 1) {
    const task = first + ((2 * i) % span);
    const other = first + ((2 * i + 1) % span);
    await rearm(task);
    ours.push(await viaFunction(task));
    await rearm(other);
    peer.push(await viaArgoCli(other));
  }
  return { ours, peer };
}

try {
  await waitFor('pr-opened function', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 30_000, fn);
  await seed(1, small);
  await viaFunction(100_000).catch(() => undefined); // warm the function's clients (answers no-workflow)
  const atSmall = await measure(1, small);
  const smallCount = created;
  await seed(small + 1, large);
  const atLarge = await measure(large - small + 1, large);
  const fmt = (values: number[]) => `${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)}`;
  const p50 = (values: number[]) => percentile(values, 50);

  console.log(`One resume against a real kube-apiserver (${events} events per cell, sequential; node ${process.version})`);
  printTable(
    ['workflows in namespace', 'handoff p50 / p99 ms', 'argo resume p50 / p99 ms', 'ratio (p50)'],
    [
      [String(smallCount), fmt(atSmall.ours), fmt(atSmall.peer), (p50(atSmall.ours) / p50(atSmall.peer)).toFixed(2)],
      [String(created), fmt(atLarge.ours), fmt(atLarge.peer), (p50(atLarge.ours) / p50(atLarge.peer)).toFixed(2)],
    ],
  );
  console.log(`scale ratio (p50 at ${created} / at ${smallCount}): handoff ${(p50(atLarge.ours) / p50(atSmall.ours)).toFixed(2)}, argo resume ${(p50(atLarge.peer) / p50(atSmall.peer)).toFixed(2)}`);
} finally {
  await fn.stop();
  for (const process of plane.processes) await process.stop();
}
