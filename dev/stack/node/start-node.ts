// One node beside the control plane: containerd (CRI) with the CNI bridge, the node images, the
// kube-scheduler and kube-controller-manager, kube-proxy (nftables), the kubelet and CoreDNS.
// Ready when the Node is Ready with no taint left, so Pods schedule and run. stop() leaves the
// host as before: the processes are ended by the caller's registry, then cleanNode() removes
// what they leave (pod processes, shims, mounts, state).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeBinary } from '../binaries/binaries';
import { containerdAnswers, containerdStateDir, defaultAddress, startContainerd } from '../image/containerd';
import { ensureHostPackages } from '../image/host-packages';
import type { KubeRest } from '../kube-rest';
import { writeKubeconfig } from '../control-plane/kubeconfig';
import { waitFor, type ManagedProcess } from '../processes/processes';
import { cgroupMounts, cgroupRoot, cleanNode } from './cleanup';
import { writeCniConfig } from './cni';
import { startControllers } from './controllers';
import { startCoreDns, upstreamResolvConf } from './coredns';
import { coreDnsRbac, type NodeComponent, type NodeIdentity } from './identities';
import { startKubeProxy } from './kube-proxy';
import { startKubelet } from './kubelet';
import { loadNodeImages, type NodeImages } from './node-images';
import { nodeDir, nodePaths } from './paths';

export const nodeName = 'handoff-node';

export interface NodeOptions {
  binaries: Record<NodeBinary, string>;
  nodeIp: string;
  identities: Record<NodeComponent, NodeIdentity>;
  server: string;
  caFile: string;
  rest: KubeRest;
  logDir: string;
  startTimeoutMs: number;
  log: (line: string) => void;
  /** Each process as it starts, so the caller can stop it (in reverse order) if a later step fails. */
  track: (process: ManagedProcess) => void;
}

export interface Node {
  name: string;
  ip: string;
  containerdAddress: string;
  images: NodeImages;
  /** After every node process has ended: removes what they left. */
  clean(): void;
}

interface NodeObject {
  status?: { conditions?: { type: string; status: string }[] };
  spec?: { taints?: { key: string }[] };
}

export function cleanNodeState(log: (line: string) => void = () => {}): void {
  const left = cleanNode({ containerdAddress: defaultAddress, containerdStateDir, nodeDir });
  if (left.processes + left.shims + left.mounts > 0) log(`node cleanup: ended ${left.processes} pod processes and ${left.shims} shims, unmounted ${left.mounts} mounts`);
}

/** What the node runs from Debian packages (dev/tools/versions.json image.hostPackages). */
export const nodeHostCommands = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc', 'nft', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/loopback'];

export async function startNode(options: NodeOptions): Promise<Node> {
  ensureHostPackages(nodeHostCommands, options.log);
  if (containerdAnswers(defaultAddress)) throw new Error(`a containerd already answers on ${defaultAddress} (npm run test:image, or another stack?); stop it first`);
  cleanNodeState(options.log);
  writeCniConfig();
  for (const mount of cgroupMounts()) mkdirSync(join(mount, cgroupRoot), { recursive: true });
  mkdirSync(nodePaths.configDir, { recursive: true });

  const containerd = await startContainerd(options.logDir, options.log);
  options.track(containerd);
  const images = await loadNodeImages(defaultAddress, options.binaries, join(options.logDir, 'node-images.log'), options.log);

  const kubeconfig = (component: NodeComponent) => {
    const file = join(nodePaths.configDir, `${component}.kubeconfig`);
    writeKubeconfig(file, { server: options.server, token: options.identities[component].token, caFile: options.caFile, namespace: 'default' });
    return file;
  };
  for (const object of coreDnsRbac(options.identities.coredns.user)) {
    const res = await options.rest.apply(object);
    if (res.status >= 300) throw new Error(`apply ${object.kind}/${object.metadata.name}: ${res.status} ${res.text}`);
  }
  const controllers = startControllers({
    binaries: options.binaries,
    kubeconfigs: { 'kube-scheduler': kubeconfig('kube-scheduler'), 'kube-controller-manager': kubeconfig('kube-controller-manager') },
    rootCaFile: options.caFile,
    logDir: options.logDir,
  });
  controllers.forEach(options.track);
  options.track(startKubeProxy({ binary: options.binaries['kube-proxy'], nodeName, kubeconfig: kubeconfig('kube-proxy'), logDir: options.logDir }));
  const coreDns = await startCoreDns({ binary: options.binaries.coredns, nodeIp: options.nodeIp, kubeconfig: kubeconfig('coredns'), clusterDomain: 'cluster.local', logDir: options.logDir, startTimeoutMs: options.startTimeoutMs });
  options.track(coreDns.process);
  const kubelet = startKubelet({ binary: options.binaries.kubelet, nodeName, nodeIp: options.nodeIp, kubeconfig: kubeconfig('kubelet'), containerdAddress: defaultAddress, resolvConf: upstreamResolvConf(), logDir: options.logDir });
  options.track(kubelet);
  // Ready, and the node-lifecycle controller has removed the not-ready taint: Pods can schedule.
  await waitFor(
    `node ${nodeName} Ready and untainted`,
    async () => {
      const res = await options.rest.call<NodeObject>('GET', `/api/v1/nodes/${nodeName}`);
      if (res.status !== 200) return false;
      const ready = res.body.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      return ready && (res.body.spec?.taints ?? []).length === 0;
    },
    options.startTimeoutMs,
    kubelet,
  );
  options.log(`node ${nodeName} Ready at ${options.nodeIp}`);
  return { name: nodeName, ip: options.nodeIp, containerdAddress: defaultAddress, images, clean: () => cleanNodeState(options.log) };
}
