// The kubelet, as a host process on containerd's CRI. KubeletConfiguration v1beta1 fields from
// kubernetes/kubelet config/v1beta1/types.go @ v0.34.4, settings from ../shared research
// (node-and-knative.md §1): cgroupfs (containerd 1.6 cannot report its driver), swap tolerated,
// cluster DNS at CoreDNS on the node IP, the API served to the apiserver without auth (test node),
// image GC off (imported images can never be pulled again), eviction thresholds low enough for a
// busy CI disk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnManaged, type ManagedProcess } from '../processes/processes';
import { cgroupRoot } from './cleanup';
import { nodePaths } from './paths';

export interface KubeletOptions {
  binary: string;
  nodeName: string;
  nodeIp: string;
  kubeconfig: string;
  containerdAddress: string;
  /** Upstream resolvers for pods with dnsPolicy Default (and CoreDNS's forward). */
  resolvConf: string;
  logDir: string;
}

export function kubeletConfiguration(options: Pick<KubeletOptions, 'nodeIp' | 'containerdAddress' | 'resolvConf'>): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false }, x509: {} },
    authorization: { mode: 'AlwaysAllow' },
    cgroupDriver: 'cgroupfs',
    // Pods under /handoff/kubepods, so a cleanup finds exactly the node's processes (dev/stack/node/cleanup.ts).
    cgroupRoot,
    containerRuntimeEndpoint: `unix://${options.containerdAddress}`,
    clusterDNS: [options.nodeIp],
    clusterDomain: 'cluster.local',
    resolvConf: options.resolvConf,
    failSwapOn: false,
    podLogsDir: nodePaths.podLogsDir,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '2%', 'imagefs.available': '2%', 'nodefs.inodesFree': '2%' },
    // Status every 10 s instead of the 5 min default idle report, so a restarted kubelet is Ready fast.
    nodeStatusReportFrequency: '10s',
    syncFrequency: '10s',
    serializeImagePulls: false,
    makeIPTablesUtilChains: false,
    // No static pods and no read-only port.
    readOnlyPort: 0,
  };
}

export function startKubelet(options: KubeletOptions): ManagedProcess {
  mkdirSync(nodePaths.configDir, { recursive: true });
  mkdirSync(nodePaths.kubeletRoot, { recursive: true });
  mkdirSync(nodePaths.podLogsDir, { recursive: true });
  const config = join(nodePaths.configDir, 'kubelet.json');
  writeFileSync(config, JSON.stringify(kubeletConfiguration(options), null, 2) + '\n');
  return spawnManaged({
    name: 'kubelet',
    command: options.binary,
    args: [
      `--config=${config}`,
      `--kubeconfig=${options.kubeconfig}`,
      `--root-dir=${nodePaths.kubeletRoot}`,
      `--cert-dir=${join(nodePaths.kubeletRoot, 'pki')}`,
      `--hostname-override=${options.nodeName}`,
      `--node-ip=${options.nodeIp}`,
      '--v=1',
    ],
    logDir: options.logDir,
  });
}
