/**
 * Throughput of one function instance (pr-opened), on the ignored path and on the
 * resume path, side by side with the same app hosted by faas-js-runtime 3.x.
 * The resume path runs against the fake Kubernetes API over HTTPS in a process of its own
 * (dev/bench/fake-kube-api-process.ts), seeded with one waiting workflow per event, so every
 * event does a list and a PUT on kept-alive TLS connections, as against a real apiserver.
 * The load is as many clients as Knative sends one pod at most (containerConcurrency, manifests/knative.ts).
 * On two or more cores the function's process gets core 0 to itself and the load generator and the fake API the
 * others (taskset), as a pod has its own CPU; the "function CPU use" column says whether that core (near 100%) or
 * the harness bounded the events/s.
 * Both hosts run on the image's Node.js. They alternate, `--rounds` each (default 5), after one untimed warm-up
 * each, and each process gets 1,000 untimed resume events before its timed ones; the medians of the rounds are
 * reported, with the CPU time the function's process used per event (from /proc), the cost the host pays whatever
 * the bottleneck.
 * Writes .handoff/bench/throughput.json (dev/bench/results.ts).
 *
 *   npm run build && npm run bench:throughput [-- --seconds 10 --concurrency 50 --rounds 5]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_ALIASES, BUNDLE_PLUGINS } from '../scripts/bundle/options';
import { pullRequestEvent, sensorEnvelope } from '../../test/fixtures/github-events';
import { imageNodeWithCompileCache } from './image-node';
import { runLoad, type LoadResult } from './load';
import { faasJsRuntimeVersion } from './peer/image';
import { median, percentile } from './report';
import { printTable } from '../scripts/table';
import { CONTAINER_CONCURRENCY } from '../../manifests/knative';
import { figure, versionsOf, writeResults } from './results';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const seconds = arg('seconds', 8);
// As many in flight as Knative sends one pod at most: the instance at its capacity.
const concurrency = arg('concurrency', CONTAINER_CONCURRENCY);
const rounds = arg('rounds', 5);
const maxRequests = 20_000;
/** Waiting workflows seeded for the resume path: one per event, so the cap on resume events. */
const seeded = 12_000;
/** Resume events sent untimed first in each process, so the timed ones run on compiled code (as the ignored path's do). */
const resumeWarmUp = 1_000;
const work = mkdtempSync(join(tmpdir(), 'handoff-throughput-'));
// Core 0 for the function under load; every thread of this process (and so the fake API it spawns) on the others.
const cores = availableParallelism();
const pinned = cores >= 2;
if (pinned) execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', `1-${cores - 1}`, String(process.pid)], { stdio: 'ignore' });
const onFunctionCore = (command: string[]) => (pinned ? ['taskset', '--cpu-list', '0', ...command] : command);
const { node, version: nodeVersion } = imageNodeWithCompileCache(console.log);
const peerBundle = join(work, 'faas-handle.cjs');
// The peer as bench:knative runs it: functions/pr-opened/index.ts's default export, hosted by faas-js-runtime.
await build({ entryPoints: ['dev/bench/peer/pr-opened.ts'], outfile: peerBundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, alias: { ...BUNDLE_ALIASES }, plugins: [...BUNDLE_PLUGINS], logLevel: 'warning' });

const ignoredEvent = JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('closed', { task: 1 }), 'ignored'));
/**
 * Resume events, one task each: one serialized event with a placeholder task number, filled in per event, so the load
 * loop does no JSON work and does not hold thousands of 21 KB strings. Checked against one built directly.
 */
const PLACEHOLDER = '987654321';
const resumeTemplate = JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: Number(PLACEHOLDER) }), `delivery-${PLACEHOLDER}`));
const resumeEvent = (task: number) => resumeTemplate.replaceAll(PLACEHOLDER, String(task));
if (resumeEvent(42) !== JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('opened', { task: 42 }), 'delivery-42'))) {
  throw new Error('the resume event template does not fill in as the fixture builds it');
}

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

/** Starts the fake API process seeded with `seed` plays; resolves with its kubeconfig and a stop function. */
async function startFakeApi(name: string, seed: number): Promise<{ kubeconfig: string; pid: number; stop: () => Promise<void> }> {
  const kubeconfig = join(work, `kubeconfig-${name}`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/bench/fake-kube-api-process.ts', '--seed', String(seed), '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    lines.once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`the fake API exited with ${code} before serving`)));
  });
  return { kubeconfig, pid: child.pid as number, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface PathRun {
  readonly load: LoadResult;
  /** CPU ms the function's process used per event. */
  readonly cpuMsPerEvent: number;
  /** The same for the fake API's process and for this one (the load generator), to show where the bottleneck is. */
  readonly apiCpuMsPerEvent: number;
  readonly loadCpuMsPerEvent: number;
}

async function measure(host: 'handoff' | 'faas-js-runtime', port: number, timed: boolean): Promise<{ ignored: PathRun; resume: PathRun }> {
  const api = await startFakeApi(host, seeded);
  const env = { ...process.env, KUBECONFIG: api.kubeconfig, TRIGGER_TOKENS: 'bench', GITHUB_TOKEN: 'bench', LOG_LEVEL: 'silent', FUNCTION: 'pr-opened' };
  const command = onFunctionCore(
    host === 'handoff'
      ? [node, 'dist/functions/pr-opened/index.js']
      : [node, 'node_modules/faas-js-runtime/bin/cli.js', peerBundle, '--include-raw', '--port', String(port), '--log-level', 'error'],
  );
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForPort(url);
    const headers = { 'content-type': 'application/json', authorization: 'Bearer bench' };
    const durationMs = (timed ? seconds : 1) * 1000;
    const base = { url: `${url}/`, headers, concurrency, durationMs, maxRequests };
    const run = async (options: Parameters<typeof runLoad>[0]): Promise<PathRun> => {
      const before = { fn: cpuSeconds(child.pid as number), api: cpuSeconds(api.pid), load: process.cpuUsage() };
      const load = await runLoad(options);
      const loadCpu = process.cpuUsage(before.load);
      return {
        load,
        cpuMsPerEvent: ((cpuSeconds(child.pid as number) - before.fn) * 1000) / load.requests,
        apiCpuMsPerEvent: ((cpuSeconds(api.pid) - before.api) * 1000) / load.requests,
        loadCpuMsPerEvent: (loadCpu.user + loadCpu.system) / 1000 / load.requests,
      };
    };
    return {
      ignored: await run({ ...base, body: () => ignoredEvent, expect: [200] }),
      resume: await (async () => {
        await runLoad({ ...base, durationMs: 60_000, maxRequests: resumeWarmUp, body: (i) => resumeEvent(i + 1), expect: [200] });
        return run({ ...base, maxRequests: seeded - resumeWarmUp, body: (i) => resumeEvent(resumeWarmUp + i + 1), expect: [200] });
      })(),
    };
  } finally {
    await stopChild(child);
    await api.stop();
  }
}

type Measured = Awaited<ReturnType<typeof measure>>;
const results: Record<'handoff' | 'faas-js-runtime', Measured[]> = { handoff: [], 'faas-js-runtime': [] };
// One untimed warm-up each (the load generator and the page cache warm too), then alternating rounds.
await measure('handoff', 18_181, false);
await measure('faas-js-runtime', 18_182, false);
for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? (['handoff', 'faas-js-runtime'] as const) : (['faas-js-runtime', 'handoff'] as const);
  for (const host of order) {
    const measured = await measure(host, host === 'handoff' ? 18_181 : 18_182, true);
    results[host].push(measured);
    const { ignored, resume } = measured;
    console.log(`round ${round + 1} ${host}: ignored ${ignored.load.perSecond.toFixed(0)}/s at ${ignored.cpuMsPerEvent.toFixed(2)} ms CPU; resume ${resume.load.perSecond.toFixed(0)}/s at ${resume.cpuMsPerEvent.toFixed(2)} ms CPU`);
  }
}

/** The median of the rounds for one host and path. */
const summary = (host: keyof typeof results, path: 'ignored' | 'resume') => {
  const runs = results[host].map((measured) => measured[path]);
  const latencies = runs.flatMap((run) => run.load.latenciesMs);
  return {
    perSecond: median(runs.map((run) => run.load.perSecond)),
    cpuMsPerEvent: median(runs.map((run) => run.cpuMsPerEvent)),
    apiCpuMsPerEvent: median(runs.map((run) => run.apiCpuMsPerEvent)),
    loadCpuMsPerEvent: median(runs.map((run) => run.loadCpuMsPerEvent)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures: runs.reduce((sum, run) => sum + run.load.failures, 0),
  };
};

console.log(`Throughput of one pr-opened instance, ${concurrency} concurrent keep-alive clients, ${seconds} s per path, median of ${rounds} alternating rounds (node ${nodeVersion}, the image's)`);
console.log(pinned ? `the function on CPU 0 alone; the load generator and the fake API on CPU 1-${cores - 1}` : 'one CPU: the function, the load generator and the fake API share it');
const row = (path: 'ignored' | 'resume', label: string) => {
  const a = summary('handoff', path);
  const b = summary('faas-js-runtime', path);
  return [
    label,
    a.perSecond.toFixed(0),
    b.perSecond.toFixed(0),
    (a.perSecond / b.perSecond).toFixed(2),
    `${a.cpuMsPerEvent.toFixed(2)} / ${b.cpuMsPerEvent.toFixed(2)}`,
    (a.cpuMsPerEvent / b.cpuMsPerEvent).toFixed(2),
    // CPU seconds per second: near 100% the function's core is what bounds the events/s.
    `${((a.cpuMsPerEvent * a.perSecond) / 10).toFixed(0)}% / ${((b.cpuMsPerEvent * b.perSecond) / 10).toFixed(0)}%`,
    `${a.p50.toFixed(1)} / ${a.p99.toFixed(1)}`,
    `${b.p50.toFixed(1)} / ${b.p99.toFixed(1)}`,
    `${a.apiCpuMsPerEvent.toFixed(2)} / ${b.apiCpuMsPerEvent.toFixed(2)}`,
    `${a.loadCpuMsPerEvent.toFixed(2)} / ${b.loadCpuMsPerEvent.toFixed(2)}`,
    `${a.failures} / ${b.failures}`,
  ];
};
printTable(
  ['path', 'handoff events/s', 'faas-js-runtime events/s', 'ratio', 'function CPU ms/event (handoff / peer)', 'CPU ratio', 'function CPU use (handoff / peer)', 'handoff p50/p99 ms', 'peer p50/p99 ms', 'fake API CPU ms/event', 'load generator CPU ms/event', 'failures'],
  [row('ignored', 'ignored'), row('resume', 'resume (fake API, HTTPS)')],
);

// Events/s count every request: a run with failures writes no results.
const failures = (['ignored', 'resume'] as const).reduce((sum, path) => sum + summary('handoff', path).failures + summary('faas-js-runtime', path).failures, 0);
if (failures > 0) throw new Error(`${failures} failed requests: no results written`);
const peerOf = (value: number) => ({ name: 'faas-js-runtime', value });
const file = writeResults('throughput', {
  versions: { ...versionsOf([], { 'faas-js-runtime': faasJsRuntimeVersion() }), node: nodeVersion },
  figures: (['ignored', 'resume'] as const).flatMap((path) => [
    figure({ name: `throughput.${path}`, unit: 'events/s', handoff: summary('handoff', path).perSecond, peer: peerOf(summary('faas-js-runtime', path).perSecond) }),
    figure({ name: `throughput.${path}.cpu-per-event`, unit: 'ms', handoff: summary('handoff', path).cpuMsPerEvent, peer: peerOf(summary('faas-js-runtime', path).cpuMsPerEvent) }),
  ]),
});
console.log(`results: ${file}`);
