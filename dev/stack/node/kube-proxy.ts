// kube-proxy in nftables mode (GA in 1.33, KEP-3866): Service ClusterIPs work on the host and from
// pods. KubeProxyConfiguration v1alpha1 (kubernetes/kube-proxy config/v1alpha1/types.go @ v0.34.4).
// It execs `nft` (Debian package nftables). Metrics and healthz on loopback only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnManaged, type ManagedProcess } from '../processes/processes';
import { nodePaths, podNetwork } from './paths';

export interface KubeProxyOptions {
  binary: string;
  nodeName: string;
  kubeconfig: string;
  logDir: string;
}

export function kubeProxyConfiguration(options: Pick<KubeProxyOptions, 'nodeName' | 'kubeconfig'>): Record<string, unknown> {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'nftables',
    hostnameOverride: options.nodeName,
    clientConnection: { kubeconfig: options.kubeconfig },
    clusterCIDR: podNetwork.clusterCidr,
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '127.0.0.1:10256',
    nftables: { syncPeriod: '30s', minSyncPeriod: '0s' },
  };
}

export function startKubeProxy(options: KubeProxyOptions): ManagedProcess {
  const config = join(nodePaths.configDir, 'kube-proxy.json');
  writeFileSync(config, JSON.stringify(kubeProxyConfiguration(options), null, 2) + '\n');
  return spawnManaged({ name: 'kube-proxy', command: options.binary, args: [`--config=${config}`, '--v=1'], logDir: options.logDir });
}
