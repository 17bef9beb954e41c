// The pods' network: CNI bridge + host-local, as containerd's own setup script configures it
// (containerd script/setup/install-cni @ v1.6.20, which pins plugins v1.1.1, Debian's version).
// containerd adds loopback itself (cni.WithLoNetwork). No ipMasq and no portmap: both program
// iptables, and pods here only talk to the node and to Services (kube-proxy, nftables).
// hairpinMode lets a pod reach itself through its Service.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodePaths, podNetwork } from './paths';

export function cniConflist(ipamDir = nodePaths.cniIpamDir): object {
  return {
    cniVersion: '1.0.0',
    name: 'handoff',
    plugins: [
      {
        type: 'bridge',
        bridge: podNetwork.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: podNetwork.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: ipamDir },
      },
    ],
  };
}

/** Writes the conflist; forgets every lease (no pod of an earlier run survives a start). */
export function writeCniConfig(): void {
  rmSync(nodePaths.cniIpamDir, { recursive: true, force: true });
  mkdirSync(nodePaths.cniConfDir, { recursive: true });
  writeFileSync(join(nodePaths.cniConfDir, '10-handoff.conflist'), JSON.stringify(cniConflist(), null, 2) + '\n');
}
