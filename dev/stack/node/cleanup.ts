// Ends whatever a node left behind, on stop and, after a kill -9, on the next start: the pods'
// processes (everything in the node's cgroup tree), containerd's shims for our socket, every mount
// under the node's and containerd's state folders (pod network namespaces, container rootfs,
// volume tmpfs), and those folders. Nothing outside them is touched: the pods live under their
// own cgroup root (/handoff) and their namespaces under our state dir.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cmdline } from '../processes/leftovers';

/** The kubelet's cgroupRoot: pods go under /handoff/kubepods in every hierarchy. */
export const cgroupRoot = '/handoff';

/** The cgroup v1 hierarchies' mount points (or the v2 root), from /proc/self/mountinfo. */
export function cgroupMounts(): string[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' '));
  return mounts.filter((f) => f.includes('-') && ['cgroup', 'cgroup2'].includes(f[f.indexOf('-') + 1] ?? '')).map((f) => f[4]!);
}

function cgroupDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => cgroupDirs(join(dir, e.name)));
  return [...children, dir]; // deepest first
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** SIGKILLs every process in the node's cgroup tree and removes the tree's cgroups; returns how many were killed. */
export function killPodProcesses(): number {
  let killed = 0;
  for (const mount of cgroupMounts()) {
    for (const dir of cgroupDirs(join(mount, cgroupRoot))) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const pids = existsSync(join(dir, 'cgroup.procs')) ? readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number) : [];
        if (pids.length === 0) break;
        pids.forEach(kill);
        killed += attempt === 0 ? pids.length : 0;
        execFileSync('sleep', ['0.05']);
      }
      if (dir !== join(mount, cgroupRoot)) {
        try {
          rmdirSync(dir);
        } catch {
          /* still busy or not ours to remove */
        }
      }
    }
  }
  return killed;
}

/** SIGKILLs containerd's shims serving `address` (they outlive containerd by design). */
export function killShims(address: string): number {
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const line = cmdline(Number(entry));
    if (line.includes('containerd-shim') && line.includes(` -address ${address}`)) {
      kill(Number(entry));
      killed++;
    }
  }
  return killed;
}

/** Unmounts every mount at or below one of `roots`, deepest first; returns the mount points. */
export function unmountUnder(roots: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => !!point && roots.some((root) => point === root || point.startsWith(`${root}/`)))
    .map((point) => point.replaceAll('\\040', ' '));
  const ordered = [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const point of ordered) {
    try {
      execFileSync('umount', [point], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', point], { stdio: 'pipe' });
    }
  }
  return ordered;
}

export interface NodeLeftovers {
  processes: number;
  shims: number;
  mounts: number;
}

/** Makes the host as if no node had run: pods' processes, shims, mounts, then the folders. */
export function cleanNode(options: { containerdAddress: string; containerdStateDir: string; nodeDir: string }): NodeLeftovers {
  const processes = killPodProcesses();
  const shims = killShims(options.containerdAddress);
  const mounts = unmountUnder([options.nodeDir, options.containerdStateDir]).length;
  rmSync(options.nodeDir, { recursive: true, force: true });
  rmSync(options.containerdStateDir, { recursive: true, force: true });
  return { processes, shims, mounts };
}
