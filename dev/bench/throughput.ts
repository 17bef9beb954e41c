/**
 * Throughput of one function instance (pr-opened), on the ignored path and on the
 * resume path, side by side with the same app hosted by faas-js-runtime 3.x.
 * The resume path runs against the in-process fake Kubernetes API, seeded with one
 * waiting workflow per event, so every event does list + get + put.
 * Writes .handoff/bench/throughput.json (dev/bench/results.ts).
 *
 *   npm run build && npm run bench:throughput [-- --seconds 10 --concurrency 16]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_ALIASES, nodeFetchUrlPlugin } from '../scripts/bundle/options';
import { FakeKubeApi } from '../../test/fakes/fake-kube-api';
import { pullRequestEvent, sensorEnvelope } from '../../test/fixtures/github-events';
import { playWorkflow } from '../../test/fixtures/workflows';
import { runLoad } from './load';
import { faasJsRuntimeVersion } from './peer/image';
import { percentile } from './report';
import { printTable } from '../scripts/table';
import { figure, versionsOf, writeResults } from './results';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const seconds = arg('seconds', 8);
const concurrency = arg('concurrency', 16);
const maxRequests = 20_000;
/** Waiting workflows seeded for the resume path: one per event, so the cap on resume events. */
const seeded = 3_000;
const work = mkdtempSync(join(tmpdir(), 'handoff-throughput-'));
const peerBundle = join(work, 'faas-handle.cjs');
// The peer as bench:knative runs it: functions/pr-opened/index.ts's default export, hosted by faas-js-runtime.
await build({ entryPoints: ['dev/bench/peer/pr-opened.ts'], outfile: peerBundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, alias: { ...BUNDLE_ALIASES }, plugins: [nodeFetchUrlPlugin], logLevel: 'warning' });

const ignored = JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('closed', { task: 1 }), 'ignored'));
/** Resume events, one task each, built ahead of time so the load loop does no JSON work. */
const resumeEvents = Array.from({ length: seeded }, (_, i) =>
  JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: i + 1 }), `delivery-${i + 1}`)),
);

async function waitForPort(url: string): Promise<void> {
  for (let i = 0; i < 3000; i += 1) {
    try {
      await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error(`${url} did not start`);
}

async function measure(host: 'handoff' | 'faas-js-runtime', port: number) {
  const api = await FakeKubeApi.start();
  for (let i = 1; i <= seeded; i += 1) api.put(playWorkflow({ name: `play-${i}`, task: String(i) }));
  const kubeconfig = join(work, `kubeconfig-${host}`);
  writeFileSync(kubeconfig, api.kubeConfig().exportConfig());
  const env = { ...process.env, KUBECONFIG: kubeconfig, TRIGGER_TOKENS: 'bench', GITHUB_TOKEN: 'bench', LOG_LEVEL: 'silent', FUNCTION: 'pr-opened' };
  const command =
    host === 'handoff'
      ? ['node', 'dist/functions/pr-opened/index.js']
      : ['node', 'node_modules/faas-js-runtime/bin/cli.js', peerBundle, '--include-raw', '--port', String(port), '--log-level', 'error'];
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForPort(url);
    const headers = { 'content-type': 'application/json', authorization: 'Bearer bench' };
    const base = { url: `${url}/`, headers, concurrency, durationMs: seconds * 1000, maxRequests };
    const ignoredRun = await runLoad({ ...base, body: () => ignored, expect: [200] });
    const resumeRun = await runLoad({ ...base, maxRequests: seeded, body: (i) => resumeEvents[i] as string, expect: [200] });
    return { ignoredRun, resumeRun };
  } finally {
    child.kill('SIGKILL');
    await api.close();
  }
}

const ours = await measure('handoff', 18_181);
const peer = await measure('faas-js-runtime', 18_182);

console.log(`Throughput of one pr-opened instance, ${concurrency} concurrent keep-alive clients, ${seconds} s per path (node ${process.version})`);
const row = (path: string, a: Awaited<ReturnType<typeof measure>>['ignoredRun'], b: typeof a) => [
  path,
  a.perSecond.toFixed(0),
  b.perSecond.toFixed(0),
  (a.perSecond / b.perSecond).toFixed(2),
  `${percentile(a.latenciesMs, 50).toFixed(1)} / ${percentile(a.latenciesMs, 99).toFixed(1)}`,
  `${percentile(b.latenciesMs, 50).toFixed(1)} / ${percentile(b.latenciesMs, 99).toFixed(1)}`,
  `${a.failures} / ${b.failures}`,
];
printTable(
  ['path', 'handoff events/s', 'faas-js-runtime events/s', 'ratio', 'handoff p50/p99 ms', 'peer p50/p99 ms', 'failures'],
  [row('ignored', ours.ignoredRun, peer.ignoredRun), row('resume (fake API)', ours.resumeRun, peer.resumeRun)],
);

// Events/s count every request: a run with failures writes no results.
const failures = [ours.ignoredRun, ours.resumeRun, peer.ignoredRun, peer.resumeRun].reduce((sum, run) => sum + run.failures, 0);
if (failures > 0) throw new Error(`${failures} failed requests: no results written`);
const peerOf = (value: number) => ({ name: 'faas-js-runtime', value });
const file = writeResults('throughput', {
  versions: versionsOf([], { 'faas-js-runtime': faasJsRuntimeVersion() }),
  figures: [
    figure({ name: 'throughput.ignored', unit: 'events/s', handoff: ours.ignoredRun.perSecond, peer: peerOf(peer.ignoredRun.perSecond) }),
    figure({ name: 'throughput.resume', unit: 'events/s', handoff: ours.resumeRun.perSecond, peer: peerOf(peer.resumeRun.perSecond) }),
  ],
});
console.log(`results: ${file}`);
