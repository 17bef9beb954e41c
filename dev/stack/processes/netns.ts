// One network namespace per Argo Events process: the EventSource and every Sensor bind the
// hard-coded metrics port :7777 (argo-events pkg/metrics/metrics.go), so each gets its own netns
// joined to the host by a veth pair with a private /30 (host .1, namespace .2, default route via .1).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Netns {
  name: string;
  hostIp: string;
  nsIp: string;
  hostIf: string;
}

const prefix = 'hnd-';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** /30 block inside 10.231.0.0/16 derived from the owning pid and an index, so parallel stacks do not collide. */
export function addresses(pid: number, index: number): { hostIp: string; nsIp: string } {
  const block = ((pid % 2000) * 8 + index) % 16384;
  const base = block * 4;
  return { hostIp: `10.231.${base >> 8}.${(base & 255) + 1}`, nsIp: `10.231.${base >> 8}.${(base & 255) + 2}` };
}

/** Cluster DNS for the processes of a namespace, as the kubelet writes a pod's resolv.conf (ClusterFirst). */
export interface NetnsDns {
  nameserver: string;
  /** Search domains, e.g. argo.svc.cluster.local svc.cluster.local cluster.local. */
  search: string[];
}

/** `ip netns exec <name>` bind-mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf (ip-netns(8)). */
const netnsEtc = (name: string) => join('/etc/netns', name);

export function resolvConf(dns: NetnsDns): string {
  // ndots:5 as the kubelet writes it (pkg/kubelet/network/dns/dns.go, ndotsDNSOption).
  return `nameserver ${dns.nameserver}\nsearch ${dns.search.join(' ')}\noptions ndots:5\n`;
}

export function createNetns(index: number, pid = process.pid, dns?: NetnsDns): Netns {
  const name = `${prefix}${pid}-${index}`;
  const hostIf = `hnd${pid % 100000}h${index}`;
  const nsIf = `hnd${pid % 100000}n${index}`;
  const { hostIp, nsIp } = addresses(pid, index);
  deleteNetns({ name, hostIf });
  ip('netns', 'add', name);
  try {
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', name);
    ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf);
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', name, 'ip', 'route', 'add', 'default', 'via', hostIp);
    if (dns) {
      mkdirSync(netnsEtc(name), { recursive: true });
      writeFileSync(join(netnsEtc(name), 'resolv.conf'), resolvConf(dns));
    }
  } catch (error) {
    deleteNetns({ name, hostIf });
    throw error;
  }
  return { name, hostIp, nsIp, hostIf };
}

/** Deleting the namespace destroys its veth end and with it the host end. */
export function deleteNetns(netns: Pick<Netns, 'name' | 'hostIf'>): void {
  for (const args of [['netns', 'del', netns.name], ['link', 'del', netns.hostIf]]) {
    try {
      ip(...args);
    } catch {
      /* already gone */
    }
  }
  rmSync(netnsEtc(netns.name), { recursive: true, force: true });
}

/** Removes namespaces left by stack processes that no longer run (e.g. after kill -9). */
export function deleteStaleNetns(): string[] {
  let list = '';
  try {
    list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const line of list.split('\n')) {
    const match = /^(hnd-(\d+)-(\d+))\b/.exec(line.trim());
    if (!match) continue;
    const [, name = '', pidText = '', index = ''] = match;
    const pid = Number(pidText);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) {
      deleteNetns({ name, hostIf: `hnd${pid % 100000}h${index}` });
      removed.push(name);
    }
  }
  return removed;
}

/** True when this process may create network namespaces (root with `ip`). */
export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
