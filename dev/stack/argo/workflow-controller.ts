// The real Argo workflow-controller as a local process: namespaced, its ConfigMap, a leader-election identity
// and a short requeue time, as upstream's dev runner does (tasks.yaml "controller"). Local only: the executor
// checks a resource step's success condition (an agent's CodeRun finished) every second instead of every 5 s.
import type { KubeRest } from '../kube-rest';
import { freePort } from '../processes/ports';
import type { ReadinessProbe } from '../processes/process-registry';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';

export interface WorkflowControllerOptions {
  binary: string;
  kubeconfig: string;
  namespace: string;
  logDir: string;
  rest: KubeRest;
  startTimeoutMs: number;
  /** With a node: the argoexec image the controller puts in every pod (never pulled: no registry). */
  executorImage?: string;
}

export const controllerConfigMapName = 'workflow-controller-configmap';

/**
 * How often argoexec checks a resource step's success and failure conditions (the agents' CodeRun steps):
 * upstream's RESOURCE_STATE_CHECK_INTERVAL, 5 s by default (workflow/executor/resource.go WaitResource). The
 * agents' side ends a CodeRun within a second, so each agent step waited up to 5 s for nothing.
 */
export const LOCAL_RESOURCE_CHECK_INTERVAL = '1s';

/** The controller's ConfigMap, one key per config field (upstream's config/controller.go parseConfigMap joins them). */
export function controllerConfigMap(namespace: string, metricsPort: number) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: controllerConfigMapName, namespace },
    data: {
      // The metrics port moves off the default :9090; health stays on upstream's hard-coded :6060.
      metricsConfig: `enabled: true\nport: ${metricsPort}\n`,
      telemetryConfig: 'enabled: false\n',
      // The executor's environment in every workflow pod (docs/environment-variables.md "Executor").
      executor: `env:\n- name: RESOURCE_STATE_CHECK_INTERVAL\n  value: ${LOCAL_RESOURCE_CHECK_INTERVAL}\n`,
    },
  };
}

export async function startWorkflowController(options: WorkflowControllerOptions): Promise<ManagedProcess & { ready: ReadinessProbe }> {
  const metricsPort = await freePort();
  const res = await options.rest.apply(controllerConfigMap(options.namespace, metricsPort));
  if (res.status >= 300) throw new Error(`apply ${controllerConfigMapName}: ${res.status} ${res.text}`);
  const process = spawnManaged({
    name: 'workflow-controller',
    command: options.binary,
    args: ['--kubeconfig', options.kubeconfig, '--namespace', options.namespace, '--namespaced', '--managed-namespace', options.namespace, '--configmap', controllerConfigMapName, '--loglevel', 'info', ...(options.executorImage ? ['--executor-image', options.executorImage, '--executor-image-pull-policy', 'Never'] : [])],
    env: { ...globalThis.process.env, LEADER_ELECTION_IDENTITY: `handoff-local-${globalThis.process.pid}`, DEFAULT_REQUEUE_TIME: '1s', KUBECONFIG: options.kubeconfig },
    logDir: options.logDir,
  });
  // Ready once it holds the leader Lease (it only reconciles as leader).
  const startedAt = new Date();
  const ready = leaderProbe(options.rest, options.namespace);
  await waitFor('workflow-controller leader lease', () => ready({ logOffset: 0, startedAt }), options.startTimeoutMs, process);
  return Object.assign(process, { ready });
}

/**
 * The controller leads: our identity holds the Lease and renewed it since `startedAt` (a restarted
 * controller keeps the identity, so only the renewal tells the new process from the killed one).
 */
export function leaderProbe(rest: KubeRest, namespace: string): ReadinessProbe {
  return async ({ startedAt }) => {
    const lease = await rest.call<{ spec?: { holderIdentity?: string; renewTime?: string } }>('GET', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/workflow-controller`);
    const renewed = Date.parse(lease.body.spec?.renewTime ?? '');
    return lease.status === 200 && !!lease.body.spec?.holderIdentity?.startsWith('handoff-local-') && renewed >= startedAt.getTime();
  };
}
