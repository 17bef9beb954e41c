// `npm start` owns the whole local stack: however it ends, no process it started may outlive it,
// and a start after a kill -9 cleans up what was left. Each case starts the real stack with
// `npm start` (warm binaries: about 40 s with Knative), ends it one way, and checks every recorded process.
// The first case first runs the README's walk-through ("Walk a task through its play", its commands as
// written) against it, the Sensors calling the Knative URLs: every send answered as the README says, the
// play completed.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubeRest } from '../../dev/stack/kube-rest';
import { listPlays } from '../../dev/stack/argo/plays';
import { cgroupMounts, cgroupRoot } from '../../dev/stack/node/cleanup';
import { nodeImageNames } from '../../dev/stack/node/node-images';
import { repoRoot } from '../../dev/stack/binaries/versions';

const pidFile = join(repoRoot, '.handoff', 'run.pids.json');
const READY = /\[start\] ready in \d+ s/;

interface Started {
  npm: ChildProcess;
  output: () => string;
  /** Every process the stack recorded (dev/stack/processes/leftovers.ts), read once it was ready. */
  pids: number[];
  /** The node process running dev/scripts/start.ts. */
  startPid: number;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

/** Processes in the node's cgroup tree (the pods' containers), on the host. */
function podProcesses(): number[] {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
    if (existsSync(join(dir, 'cgroup.procs'))) for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
  };
  for (const mount of cgroupMounts()) walk(join(mount, cgroupRoot));
  return [...pids];
}

/** containerd shims serving the stack's containerd (they are not children of the stack: they daemonize). */
const shims = () => (spawnSync('pgrep', ['-f', `containerd-shim.* -address ${join(repoRoot, '.handoff', 'containerd', 'containerd.sock')}`], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean).map(Number);

/** Runs a pod on the stack's node (the pause image) and waits until its process runs on the host. */
/** The running stack's apiserver, as its kubeconfig names it. */
function stackRest() {
  const kubeconfig = JSON.parse(readFileSync(join(repoRoot, '.handoff', 'run', 'kubeconfig'), 'utf8'));
  return createKubeRest({ server: kubeconfig.clusters[0].cluster.server, token: kubeconfig.users[0].user.token, ca: readFileSync(kubeconfig.clusters[0].cluster['certificate-authority']) });
}

async function runPod(): Promise<number[]> {
  const rest = stackRest();
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lifetime' }, spec: { containers: [{ name: 'pause', image: nodeImageNames().pause, imagePullPolicy: 'Never' }] } };
  const created = await rest.call('POST', '/api/v1/namespaces/default/pods', pod);
  if (created.status !== 201) throw new Error(`create pod: ${created.status} ${created.text}`);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const res = await rest.call<{ status?: { phase?: string } }>('GET', '/api/v1/namespaces/default/pods/lifetime');
    // The sandbox's pause and the container's pause: two processes in the pod's cgroups.
    if (res.body.status?.phase === 'Running' && podProcesses().length >= 2) return podProcesses();
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the lifetime pod did not run');
}

const ourNetns = () => (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((line) => line.startsWith('hnd-')).map((line) => line.split(' ')[0]!);

function startPidOf(npmPid: number): number {
  const found = spawnSync('pgrep', ['-f', 'dev/scripts/start.ts'], { encoding: 'utf8' }).stdout.split('\n').map(Number).filter((pid) => pid > 0 && pid !== npmPid);
  // tsx runs the script in a child node process: the deepest one is the script.
  const withParents = found.map((pid) => ({ pid, parent: Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) }));
  const leaf = withParents.find((p) => !withParents.some((q) => q.parent === p.pid));
  if (!leaf) throw new Error(`no dev/scripts/start.ts process under npm ${npmPid}`);
  return leaf.pid;
}

/**
 * `npm start` in its own process group, as a terminal's foreground job has. `knative: false` starts it with
 * HANDOFF_KNATIVE=0 (no Knative Serving, no Traefik, no function pods: about 10 s less each way); the cases that
 * end it by a signal to npm or the start process use it, since an ending reaches every child the same way.
 */
async function startStack(options: { knative?: boolean } = {}): Promise<Started> {
  const env = { ...process.env, KUBECONFIG: '/nonexistent', ...(options.knative === false ? { HANDOFF_KNATIVE: '0' } : {}) };
  const npm = spawn('npm', ['start'], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let text = '';
  npm.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const deadline = Date.now() + 240_000;
  while (!READY.test(text)) {
    if (npm.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not get ready:\n${text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const record = JSON.parse(readFileSync(pidFile, 'utf8')) as { processes: { pid: number }[] };
  return { npm, output: () => text, pids: record.processes.map((p) => p.pid), startPid: startPidOf(npm.pid!) };
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function allGone(pids: number[], timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    left = left.filter(alive);
  }
  return left;
}

/** Signals a process group that may already be gone (npm exits once its script died). */
const signalGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
};

let current: Started | undefined;
afterEach(() => {
  // Never leave a stack behind for the next case, whatever the assertion said.
  for (const pid of current?.pids ?? []) signalGroup(pid, 'SIGKILL');
  if (current?.npm.pid) signalGroup(current.npm.pid, 'SIGKILL');
  current = undefined;
});

/** After an ending: every recorded process, the start process, the pod and its shim gone; the network namespaces and the record removed. */
async function expectStackGone(started: Started, pod: number[]): Promise<void> {
  expect(await allGone([...started.pids, started.startPid, ...pod]), started.output()).toEqual([]);
  // The node's pods and their shims (not our children: containerd daemonizes them) end with it too.
  expect(podProcesses()).toEqual([]);
  expect(shims()).toEqual([]);
  // A clean stop also deletes its network namespaces and its record of processes.
  expect(await allGone([started.startPid])).toEqual([]);
  expect(ourNetns()).toEqual([]);
  expect(existsSync(pidFile)).toBe(false);
}

const run = promisify(execFile);
/** `npm run <args>` in the repository, as a user types it beside npm start (a non-zero exit rejects with its output). */
async function npmRun(args: string[]): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', ...args], { cwd: repoRoot, env: { ...process.env, KUBECONFIG: '/nonexistent' }, timeout: 180_000 });
  return stdout;
}

/** The README's "Walk a task through its play" block: its `npm run` lines, in order, as written. */
function readmeWalkthrough(): string[][] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Walk a task through its play'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean).map((line) => line.split(/\s+/));
}

/** What the function answered, as `npm run send` prints it for the README's scenarios. */
const expectedOutcome: Record<string, string> = { 'pr-opened': 'resumed', 'ready-for-qa': 'resumed', 'rex-push': 'remediated', approved: 'resumed' };

describe("npm start: the README's walk-through, then Ctrl-C ends everything", () => {
  it('the README walk-through against npm start (Sensors on the Knative URLs), then Ctrl-C in a terminal (SIGINT to the foreground group)', async () => {
    current = await startStack();
    expect(current.output()).toMatch(/Sensors call: {2}the Knative URLs/);
    const rest = stackRest();
    const namespace = (JSON.parse(readFileSync(join(repoRoot, '.handoff', 'stack.json'), 'utf8')) as { namespace: string }).namespace;
    const commands = readmeWalkthrough();
    expect(commands.map((c) => c.slice(0, 5).join(' '))).toEqual([
      'npm run play -- --task', 'npm run play -- list', 'npm run send -- pr-opened', 'npm run send -- ready-for-qa', 'npm run send -- rex-push', 'npm run send -- ready-for-qa', 'npm run send -- approved',
    ]);
    const task = commands[0]![5]!;
    /** The play of `task` once it waits at a gate (as `npm run play -- list` shows a user before the next send). */
    const atGate = async () => {
      const deadline = Date.now() + 240_000;
      for (;;) {
        const [play] = await listPlays(rest, namespace, task);
        if (play && play.waitingAt.length > 0) return play;
        if (Date.now() > deadline) throw new Error(`the play of task ${task} reached no gate: ${JSON.stringify(play)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    for (const command of commands) {
      const [, , script, , scenario] = command;
      if (script === 'send') await atGate();
      const printed = await npmRun(command.slice(2));
      // A table row: | play-42-… | 42 | <stage> | <phase> | <waiting at> |
      if (script === 'play' && scenario === 'list') expect(printed).toMatch(new RegExp(`\\|\\s*play-${task}-\\S+\\s*\\|\\s*${task}\\s*\\|`));
      if (script === 'send') {
        // Followed into the Knative Service's pods (the Sensors call the Knative URLs), not a host process's log.
        expect(printed, printed).toMatch(new RegExp(`following delivery \\S+ to ${scenario === 'ready-for-qa' ? 'labeled-ready-for-qa' : scenario} \\(the log of its Knative Service's pods`));
        expect(printed, printed).toMatch(new RegExp(`answered 200 ${expectedOutcome[scenario!]}, task ${task}, workflow play-${task}-`));
      }
    }
    const done = await eventually(async () => {
      const [play] = await listPlays(rest, namespace, task);
      return play?.phase === 'Succeeded' ? play : undefined;
    }, 240_000);
    expect(done.stage).toBe('completed');

    const pod = await runPod();
    process.kill(-current.npm.pid!, 'SIGINT');
    await expectStackGone(current, pod);
  });
});

describe('npm start ends the whole stack, however it ends', () => {
  it.each([
    ['the terminal closed (SIGHUP to the group)', (s: Started) => process.kill(-s.npm.pid!, 'SIGHUP')],
    ['SIGTERM to the start process', (s: Started) => process.kill(s.startPid, 'SIGTERM')],
    [
      'stdout gone first (`npm start | tee` whose reader died), then Ctrl-C',
      (s: Started) => {
        s.npm.stdout!.destroy();
        s.npm.stderr!.destroy();
        process.kill(-s.npm.pid!, 'SIGINT');
      },
    ],
    ['npm itself killed with SIGKILL', (s: Started) => process.kill(s.npm.pid!, 'SIGKILL')],
  ])('%s (no Knative)', async (_name, end) => {
    current = await startStack({ knative: false });
    expect(current.pids.length).toBeGreaterThan(5);
    const pod = await runPod();
    end(current);
    await expectStackGone(current, pod);
  });

  it('a crash (SIGKILL of the start process) kills every child, and the next start cleans up the rest', async () => {
    current = await startStack();
    const { pids, startPid } = current;
    const pod = await runPod();
    process.kill(startPid, 'SIGKILL');
    // The kernel's parent-death signal (setpriv --pdeathsig) ends every direct child.
    expect(await allGone(pids), current.output()).toEqual([]);
    // Left behind: the network namespaces, the process record, and the pod with its shim (containerd
    // daemonizes shims, so no parent-death signal reaches them); the next start removes them all.
    expect(ourNetns().length).toBeGreaterThan(0);
    expect(pod.filter(alive).length).toBeGreaterThan(0);
    expect(shims().length).toBeGreaterThan(0);
    signalGroup(current.npm.pid!, 'SIGKILL');
    current = await startStack();
    expect(current.output()).toMatch(/removed stale network namespace hnd-/);
    expect(current.output()).toMatch(/node cleanup: ended [1-9]\d* pod processes and [1-9]\d* shims/);
    expect(pod.filter(alive)).toEqual([]);
    process.kill(-current.npm.pid!, 'SIGINT');
    expect(await allGone([...current.pids, current.startPid])).toEqual([]);
    expect(ourNetns()).toEqual([]);
    expect(podProcesses()).toEqual([]);
    expect(shims()).toEqual([]);
  });
});
