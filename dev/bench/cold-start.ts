/**
 * Cold start: time from process spawn to the first answered event, for each
 * function, side by side with two peers on faas-js-runtime 3.x (Knative Functions'
 * Node runtime): the same function, its entry served by dev/bench/peer/faas-handle.ts, and the runtime's empty
 * function (dev/bench/peer/faas-empty.ts); and the floor, a bare node:http server answering 200. All four are
 * spawned, polled and timed the same way, interleaved run by run, on the image's Node.js (dev/tools/versions.json
 * `image.node`, installed into .cache/ as the CI's second unit run does), with the compile cache the image ships
 * (dist/prepare-compile-cache.js run by that Node first, as the Dockerfile does). Also idle RSS and bundle size.
 * Writes .handoff/bench/cold-start.json (dev/bench/results.ts).
 *
 *   npm run build && npm run bench:cold-start [-- --runs 7]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_ALIASES, BUNDLE_PLUGINS } from '../scripts/bundle/options';
import { DECLARATIONS } from '../../shared/declarations';
import type { FunctionDeclaration } from '../../shared/function-declaration';
import { pullRequestEvent, sensorEnvelope } from '../../test/fixtures/github-events';
import { faasJsRuntimeVersion } from './peer/image';
import { imageNodeWithCompileCache } from './image-node';
import { median } from './report';
import { printTable } from '../scripts/table';
import { figure, versionsOf, writeResults, type Figure } from './results';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const work = mkdtempSync(join(tmpdir(), 'handoff-cold-'));

// Every process runs on the image's Node.js; the function with the compile cache the image fills at build time.
const { node, version: nodeVersion } = imageNodeWithCompileCache(console.log);

// The floor: Node.js itself serving HTTP, reading the body and answering 200, with no framework and no app.
const floorScript = join(work, 'floor.cjs');
writeFileSync(floorScript, "require('node:http').createServer((req, res) => req.resume().on('end', () => res.end('{}'))).listen(Number(process.env.PORT), '127.0.0.1');\n");

// A kubeconfig for a cluster that is never called: the benchmark event is ignored before any Kubernetes call.
const kubeconfig = join(work, 'kubeconfig');
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'none', cluster: { server: 'https://127.0.0.1:1' } }],
    users: [{ name: 'none', user: { token: 'none' } }],
    contexts: [{ name: 'none', context: { cluster: 'none', user: 'none' } }],
    'current-context': 'none',
  }),
);

/** The peer's bundle for one function: its entry's default export (functions/<name>/index.ts) as faas-js-runtime's `handle`. */
async function buildPeerBundle(declaration: FunctionDeclaration): Promise<string> {
  const outfile = join(work, `faas-handle-${declaration.name}.cjs`);
  const contents = [
    `import fn from ${JSON.stringify(`../../../functions/${declaration.name}/index`)};`,
    `import { createFaasHandle } from './faas-handle';`,
    'export const handle = createFaasHandle(fn);',
  ].join('\n');
  await build({ stdin: { contents, resolveDir: 'dev/bench/peer', loader: 'ts', sourcefile: `peer-${declaration.name}.ts` }, outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, alias: { ...BUNDLE_ALIASES }, plugins: [...BUNDLE_PLUGINS], logLevel: 'warning' });
  return outfile;
}

/** faas-js-runtime's empty function, bundled as the same-app peer is. */
async function buildEmptyBundle(): Promise<string> {
  const outfile = join(work, 'faas-empty.cjs');
  await build({ entryPoints: ['dev/bench/peer/faas-empty.ts'], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, logLevel: 'warning' });
  return outfile;
}

/** How faas-js-runtime hosts a bundle, for both peers (as `func` runs it, with --include-raw). */
const faasCommand = (bundle: string, port: number) => [node, 'node_modules/faas-js-runtime/bin/cli.js', bundle, '--include-raw', '--port', String(port), '--log-level', 'error'];

const event = JSON.stringify(sensorEnvelope('pull_request', pullRequestEvent('closed', { task: 1 }), 'cold-start'));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function rssKiB(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Spawns, POSTs until the first answer (`expected` status), then measures idle RSS; returns [ms, KiB]. */
async function coldStart(command: string[], env: Record<string, string>, port: number, expected = 200): Promise<[number, number]> {
  const started = performance.now();
  const child = spawn(command[0] as string, command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          body: event,
          headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        });
        if (response.status !== expected) throw new Error(`unexpected status ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
        break;
      } catch (error) {
        if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') throw error;
        if (performance.now() - started > 30_000) throw new Error(`${command.join(' ')} did not answer within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    const elapsed = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return [elapsed, rssKiB(child)];
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const emptyBundle = await buildEmptyBundle();
const rows: string[][] = [];
const figures: Figure[] = [];
const [headline] = DECLARATIONS;
for (const declaration of DECLARATIONS as FunctionDeclaration[]) {
  const env = { KUBECONFIG: kubeconfig, TRIGGER_TOKENS: 'bench', GITHUB_TOKEN: 'bench', LOG_LEVEL: 'silent', FUNCTION: declaration.name };
  const peerBundle = await buildPeerBundle(declaration);
  const ours: [number, number][] = [];
  const peer: [number, number][] = [];
  const empty: [number, number][] = [];
  const floor: [number, number][] = [];
  const uncached: [number, number][] = [];
  for (let run = 0; run < runs; run += 1) {
    const port = await freePort();
    ours.push(await coldStart([node, `dist/functions/${declaration.name}/index.js`], { ...env, PORT: String(port) }, port));
    // The same start without the compile cache (Node's own switch), to show what the cache saves.
    const uncachedPort = await freePort();
    uncached.push(await coldStart([node, `dist/functions/${declaration.name}/index.js`], { ...env, PORT: String(uncachedPort), NODE_DISABLE_COMPILE_CACHE: '1' }, uncachedPort));
    const peerPort = await freePort();
    peer.push(await coldStart(faasCommand(peerBundle, peerPort), env, peerPort));
    const emptyPort = await freePort();
    empty.push(await coldStart(faasCommand(emptyBundle, emptyPort), env, emptyPort, 204));
    const floorPort = await freePort();
    floor.push(await coldStart([node, floorScript], { PORT: String(floorPort) }, floorPort));
  }
  const oursMs = median(ours.map(([ms]) => ms));
  const peerMs = median(peer.map(([ms]) => ms));
  const emptyMs = median(empty.map(([ms]) => ms));
  const floorMs = median(floor.map(([ms]) => ms));
  const uncachedMs = median(uncached.map(([ms]) => ms));
  const uncachedRss = median(uncached.map(([, kib]) => kib)) * 1024;
  const floorRss = median(floor.map(([, kib]) => kib)) * 1024;
  const oursRss = median(ours.map(([, kib]) => kib)) * 1024;
  const peerRss = median(peer.map(([, kib]) => kib)) * 1024;
  // What a start loads: the runner and its app.js.
  const oursBundle = ['index.js', 'app.js'].reduce((bytes, file) => bytes + statSync(`dist/functions/${declaration.name}/${file}`).size, 0);
  const peerBundleSize = statSync(peerBundle).size;
  rows.push([
    declaration.name,
    oursMs.toFixed(0),
    `${uncachedMs.toFixed(0)} / ${(uncachedRss / 1024 ** 2).toFixed(0)}`,
    peerMs.toFixed(0),
    (oursMs / peerMs).toFixed(2),
    emptyMs.toFixed(0),
    (oursMs / emptyMs).toFixed(2),
    floorMs.toFixed(0),
    (oursMs / floorMs).toFixed(2),
    (oursRss / 1024 ** 2).toFixed(0),
    (peerRss / 1024 ** 2).toFixed(0),
    (median(empty.map(([, kib]) => kib)) / 1024).toFixed(0),
    (floorRss / 1024 ** 2).toFixed(0),
    (oursBundle / 1024).toFixed(0),
    (peerBundleSize / 1024).toFixed(0),
  ]);
  // Per function, against the same app on faas-js-runtime; the headline (pr-opened, the function the
  // other benches measure) times the first event against the runtime's empty function.
  const sameApp = (value: number) => ({ name: 'faas-js-runtime', value });
  const qualified = [
    figure({ name: `cold-start.first-event.${declaration.name}`, unit: 'ms', handoff: oursMs, peer: sameApp(peerMs), floor: floorMs }),
    figure({ name: `cold-start.idle-rss.${declaration.name}`, unit: 'bytes', handoff: oursRss, peer: sameApp(peerRss), floor: floorRss }),
    figure({ name: `cold-start.bundle.${declaration.name}`, unit: 'bytes', handoff: oursBundle, peer: sameApp(peerBundleSize) }),
  ];
  if (declaration === headline) {
    figures.unshift(
      figure({ name: 'cold-start.first-event', unit: 'ms', handoff: oursMs, peer: { name: 'faas-js-runtime-empty', value: emptyMs }, floor: floorMs }),
      figure({ name: 'cold-start.idle-rss', unit: 'bytes', handoff: oursRss, peer: sameApp(peerRss), floor: floorRss }),
      figure({ name: 'cold-start.bundle', unit: 'bytes', handoff: oursBundle, peer: sameApp(peerBundleSize) }),
    );
  }
  figures.push(...qualified);
}

console.log(`Cold start, spawn → first answered event, median of ${runs} runs (node ${nodeVersion}, the image's)`);
printTable(
  ['function', 'handoff ms', 'handoff without compile cache ms / RSS MiB', 'faas-js-runtime ms', 'ratio', 'faas-js-runtime empty ms', 'ratio to empty', 'floor ms', 'ratio to floor', 'handoff idle RSS MiB', 'peer idle RSS MiB', 'empty idle RSS MiB', 'floor idle RSS MiB', 'bundle KiB', 'peer bundle KiB'],
  rows,
);
console.log('peer: the same app on faas-js-runtime, minified bundle; empty: faas-js-runtime with a handle that just returns (204); the runtime itself is not bundled; floor: a bare node:http server');
const file = writeResults('cold-start', { versions: { ...versionsOf([], { 'faas-js-runtime': faasJsRuntimeVersion() }), node: nodeVersion }, figures });
console.log(`results: ${file}`);
