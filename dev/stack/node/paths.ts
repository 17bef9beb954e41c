// Where the node keeps its state: everything under .handoff/node, so one folder holds what the
// kubelet, containerd's CRI and the CNI plugins write, and cleaning up is unmounting and removing it.
import { join } from 'node:path';
import { repoRoot } from '../binaries/versions';

export const nodeDir = join(repoRoot, '.handoff', 'node');

export const nodePaths = {
  /** The CNI network config containerd's CRI loads (one .conflist). */
  cniConfDir: join(nodeDir, 'cni', 'net.d'),
  /** host-local IPAM's leases (`dataDir`), so addresses of a killed run are released by removing it. */
  cniIpamDir: join(nodeDir, 'cni', 'ipam'),
  /** Debian's containernetworking-plugins put the plugins here (containerd's Debian config agrees). */
  cniBinDir: '/usr/lib/cni',
  kubeletRoot: join(nodeDir, 'kubelet'),
  podLogsDir: join(nodeDir, 'pod-logs'),
  /** Node components' config files and kubeconfigs. */
  configDir: join(nodeDir, 'config'),
};

/** The pods' network: one node, one /24; kube-proxy's clusterCIDR covers it. */
export const podNetwork = { bridge: 'hnd0', subnet: '10.244.0.0/24', clusterCidr: '10.244.0.0/16' };
