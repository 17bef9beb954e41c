// kube-scheduler and kube-controller-manager: what turns Deployments into ReplicaSets and Pods,
// binds Pods to the node, removes the node's not-ready taint, creates each namespace's `default`
// ServiceAccount and `kube-root-ca.crt`, and keeps Endpoints/EndpointSlices. No leader election
// (one of each); secure serving on loopback; each controller with its own ServiceAccount's
// credentials, as kubeadm runs it.
import { spawnManaged, type ManagedProcess } from '../processes/processes';
import { serviceCidr } from '../control-plane/apiserver';

export interface ControllersOptions {
  binaries: { 'kube-scheduler': string; 'kube-controller-manager': string };
  kubeconfigs: { 'kube-scheduler': string; 'kube-controller-manager': string };
  /** The apiserver's serving CA: published in every namespace as kube-root-ca.crt. */
  rootCaFile: string;
  logDir: string;
}

export function startControllers(options: ControllersOptions): ManagedProcess[] {
  const scheduler = spawnManaged({
    name: 'kube-scheduler',
    command: options.binaries['kube-scheduler'],
    args: [`--kubeconfig=${options.kubeconfigs['kube-scheduler']}`, `--authentication-kubeconfig=${options.kubeconfigs['kube-scheduler']}`, `--authorization-kubeconfig=${options.kubeconfigs['kube-scheduler']}`, '--leader-elect=false', '--bind-address=127.0.0.1'],
    logDir: options.logDir,
  });
  const kcm = options.kubeconfigs['kube-controller-manager'];
  const controllerManager = spawnManaged({
    name: 'kube-controller-manager',
    command: options.binaries['kube-controller-manager'],
    args: [
      `--kubeconfig=${kcm}`,
      `--authentication-kubeconfig=${kcm}`,
      `--authorization-kubeconfig=${kcm}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--use-service-account-credentials=true',
      `--service-cluster-ip-range=${serviceCidr}`,
      `--root-ca-file=${options.rootCaFile}`,
    ],
    logDir: options.logDir,
  });
  return [scheduler, controllerManager];
}
