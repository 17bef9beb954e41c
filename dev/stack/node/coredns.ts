// Cluster DNS: CoreDNS as a host process on the node IP, serving cluster.local from the apiserver
// with the Corefile of Kubernetes' own addon (cluster/addons/dns/coredns/coredns.yaml.base), plus
// `kubeconfig` (it runs outside a pod) and `bind` (port 53 of the node IP only). `health` is left
// out (it binds :8080, which Knative's controller needs); readiness comes from `ready` on loopback.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';
import { freePort } from '../processes/ports';
import { nodePaths } from './paths';

export interface CoreDnsOptions {
  binary: string;
  nodeIp: string;
  kubeconfig: string;
  /** Where the cluster's names end; the kubelet's clusterDomain. */
  clusterDomain: string;
  logDir: string;
  startTimeoutMs: number;
}

const loopbackNameserver = /^\s*nameserver\s+(127\.|::1)/m;

/**
 * The resolv.conf with the host's real upstream resolvers: CoreDNS's `loop` plugin stops it when it
 * forwards to itself, and a pod with dnsPolicy Default cannot reach the host's 127.0.0.53 stub.
 */
export function upstreamResolvConf(): string {
  const systemdResolved = '/run/systemd/resolve/resolv.conf';
  if (loopbackNameserver.test(readFileSync('/etc/resolv.conf', 'utf8')) && existsSync(systemdResolved)) return systemdResolved;
  return '/etc/resolv.conf';
}

export function corefile(options: { nodeIp: string; kubeconfig: string; clusterDomain: string; readyPort: number; resolvConf: string }): string {
  return `.:53 {
    bind ${options.nodeIp}
    errors
    ready 127.0.0.1:${options.readyPort}
    kubernetes ${options.clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${options.kubeconfig} handoff-local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    forward . ${options.resolvConf}
    cache 30
    loop
    reload
    loadbalance
}
`;
}

export async function startCoreDns(options: CoreDnsOptions): Promise<{ process: ManagedProcess; ip: string }> {
  const readyPort = await freePort();
  const file = join(nodePaths.configDir, 'Corefile');
  writeFileSync(file, corefile({ ...options, readyPort, resolvConf: upstreamResolvConf() }));
  const process = spawnManaged({ name: 'coredns', command: options.binary, args: ['-conf', file], logDir: options.logDir });
  // `ready` answers 200 once every plugin that reports readiness (kubernetes: synced with the apiserver) is ready.
  await waitFor('coredns /ready', async () => (await fetch(`http://127.0.0.1:${readyPort}/ready`)).ok, options.startTimeoutMs, process);
  return { process, ip: options.nodeIp };
}
