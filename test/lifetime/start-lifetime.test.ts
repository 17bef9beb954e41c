// `npm start` owns the whole local stack: however it ends, no process it started may outlive it,
// and a start after a kill -9 cleans up what was left. Each case starts the real stack with
// `npm start` (warm binaries: about 20 s), ends it one way, and checks every recorded process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubeRest } from '../../dev/stack/kube-rest';
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
async function runPod(): Promise<number[]> {
  const kubeconfig = JSON.parse(readFileSync(join(repoRoot, '.handoff', 'run', 'kubeconfig'), 'utf8'));
  const rest = createKubeRest({ server: kubeconfig.clusters[0].cluster.server, token: kubeconfig.users[0].user.token, ca: readFileSync(kubeconfig.clusters[0].cluster['certificate-authority']) });
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

async function startStack(): Promise<Started> {
  // Its own process group, as a terminal's foreground job has.
  const npm = spawn('npm', ['start'], { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '/nonexistent' } });
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

describe('npm start ends the whole stack, however it ends', () => {
  it.each([
    ['Ctrl-C in a terminal (SIGINT to the foreground group)', (s: Started) => process.kill(-s.npm.pid!, 'SIGINT')],
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
  ])('%s', async (_name, end) => {
    current = await startStack();
    expect(current.pids.length).toBeGreaterThan(5);
    const pod = await runPod();
    end(current);
    expect(await allGone([...current.pids, current.startPid, ...pod]), current.output()).toEqual([]);
    // The node's pods and their shims (not our children: containerd daemonizes them) end with it too.
    expect(podProcesses()).toEqual([]);
    expect(shims()).toEqual([]);
    // A clean stop also deletes its network namespaces and its record of processes.
    expect(await allGone([current.startPid])).toEqual([]);
    expect(ourNetns()).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
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
