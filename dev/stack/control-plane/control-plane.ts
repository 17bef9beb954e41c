// etcd + kube-apiserver + CRDs + namespace + kubeconfig: the Kubernetes part of the local stack.
import { join } from 'node:path';
import { startApiServer, type ApiServer, type ApiServerNodeOptions } from './apiserver';
import { applyCrds } from './crds';
import { startEtcd } from './etcd';
import { writeKubeconfig } from './kubeconfig';
import type { ManagedProcess } from '../processes/processes';

export interface ControlPlaneOptions {
  binaries: { etcd: string; 'kube-apiserver': string };
  workDir: string;
  logDir: string;
  namespace: string;
  startTimeoutMs: number;
  log: (line: string) => void;
  /** Serve the node's pods and components too (dev/stack/node). */
  node?: ApiServerNodeOptions;
}

export interface ControlPlane {
  apiServer: ApiServer;
  kubeconfig: string;
  processes: ManagedProcess[];
  crds: string[];
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const processes: ManagedProcess[] = [];
  try {
    const etcd = await startEtcd({ binary: options.binaries.etcd, dataDir: join(options.workDir, 'etcd'), logDir: options.logDir, startTimeoutMs: options.startTimeoutMs });
    processes.push(etcd.process);
    options.log(`etcd ready at ${etcd.url}`);
    const apiServer = await startApiServer({ binary: options.binaries['kube-apiserver'], etcdUrl: etcd.url, certDir: join(options.workDir, 'apiserver'), logDir: options.logDir, startTimeoutMs: options.startTimeoutMs, node: options.node });
    processes.unshift(apiServer.process);
    options.log(`kube-apiserver ready at ${apiServer.server}`);
    const kubeconfig = join(options.workDir, 'kubeconfig');
    writeKubeconfig(kubeconfig, { server: apiServer.server, token: apiServer.token, caFile: apiServer.caFile, namespace: options.namespace });
    const ns = await apiServer.rest.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } });
    if (ns.status >= 300) throw new Error(`namespace ${options.namespace}: ${ns.status} ${ns.text}`);
    const crds = await applyCrds(apiServer.rest, options.startTimeoutMs, options.log);
    return { apiServer, kubeconfig, processes, crds };
  } catch (error) {
    for (const p of processes) await p.stop();
    throw error;
  }
}
