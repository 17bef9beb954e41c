/**
 * The production Kubernetes clients: play workflows (list and resume) and CodeRuns,
 * over @kubernetes/client-node's CustomObjectsApi. The kubeconfig is loaded once per process.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { asUnavailable, statusOf } from './api-errors';
import { planResume } from './plan-resume';
import { KubernetesUnavailableError, type CodeRunDeletion, type CodeRuns, type PlayWorkflows, type ResumeRequest, type ResumeResult, type WorkflowSummary } from './types';
import { CODERUNS, DEDUP_ANNOTATION, PARKED_ANNOTATION, UPDATED_AT_ANNOTATION, WORKFLOWS, recordedKeysOf, type Workflow } from './workflow';
import { WORKFLOW_LABELS } from '../declarations';

export interface KubernetesCallInfo {
  readonly verb: string;
  readonly resource: string;
  readonly durationMs: number;
  readonly error?: unknown;
}

export interface KubernetesClientsOptions {
  readonly namespace: string;
  /** Default: KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  readonly kubeConfig?: KubeConfig;
  /** Metrics hook, once per API call. */
  readonly onCall?: (info: KubernetesCallInfo) => void;
  /** Metrics hook, once per 409 conflict that restarts a resume. */
  readonly onConflict?: () => void;
  /**
   * Backoff between resume attempts after a 409: Argo's retry.DefaultRetry
   * (5 steps from 10 ms, factor 2; `workflow/util/util.go` ResumeWorkflow wraps its
   * update in it). Tests may shorten it.
   */
  readonly conflictBackoff?: { readonly steps: number; readonly initialMs: number; readonly factor: number };
  readonly now?: () => Date;
}

export interface KubernetesClients {
  readonly workflows: PlayWorkflows;
  readonly codeRuns: CodeRuns;
}

/** The dedup keys a workflow summary has recorded. */
export function recordedDedupKeys(workflow: WorkflowSummary): readonly string[] {
  return recordedKeysOf(workflow.annotations);
}

export function createKubernetesClients(options: KubernetesClientsOptions): KubernetesClients {
  const { namespace } = options;
  let api: CustomObjectsApi | undefined;
  const customObjects = () => {
    if (!api) {
      const kubeConfig = options.kubeConfig ?? new KubeConfig();
      if (!options.kubeConfig) kubeConfig.loadFromDefault();
      api = kubeConfig.makeApiClient(CustomObjectsApi);
    }
    return api;
  };

  async function call<T>(verb: string, resource: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      options.onCall?.({ verb, resource, durationMs: performance.now() - started });
      return result;
    } catch (error) {
      options.onCall?.({ verb, resource, durationMs: performance.now() - started, error });
      throw error;
    }
  }

  async function list(labelSelector: string): Promise<WorkflowSummary[]> {
    const found = (await call('list', 'workflows', () => customObjects().listNamespacedCustomObject({ ...WORKFLOWS, namespace, labelSelector })).catch((error) => {
      throw asUnavailable(error, `list workflows ${labelSelector}`);
    })) as { items?: Workflow[] };
    return (found.items ?? []).map((workflow) => ({
      name: workflow.metadata.name,
      namespace: workflow.metadata.namespace ?? namespace,
      labels: workflow.metadata.labels ?? {},
      annotations: workflow.metadata.annotations ?? {},
    }));
  }

  const workflows: PlayWorkflows = {
    async listForTask(taskId) {
      return list(`${WORKFLOW_LABELS.type}=${WORKFLOW_LABELS.typeValue},${WORKFLOW_LABELS.taskId}=${taskId}`);
    },

    async listInStages(stages) {
      return list(`${WORKFLOW_LABELS.type}=${WORKFLOW_LABELS.typeValue},${WORKFLOW_LABELS.stage} in (${stages.join(',')})`);
    },

    async resume(request) {
      const backoff = options.conflictBackoff ?? { steps: 5, initialMs: 10, factor: 2 };
      let delay = backoff.initialMs;
      for (let attempt = 1; ; attempt += 1) {
        const result = await resumeOnce(request, attempt);
        if (result !== 'conflict') return result;
        options.onConflict?.();
        if (attempt >= backoff.steps) {
          throw new KubernetesUnavailableError(`${request.name} kept changing: ${attempt} conflicting writes in a row`);
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= backoff.factor;
      }
    },
  };

  /** One GET → plan → PUT with the resourceVersion read; 'conflict' when the PUT answers 409. */
  async function resumeOnce(request: ResumeRequest, attempt: number): Promise<ResumeResult | 'conflict'> {
    let workflow: Workflow;
    try {
      workflow = (await call('get', 'workflows', () => customObjects().getNamespacedCustomObject({ ...WORKFLOWS, namespace, name: request.name }))) as Workflow;
    } catch (error) {
      if (statusOf(error) === 404) return { outcome: 'no-workflow', workflow: request.name, reason: `${request.name} no longer exists`, attempts: attempt };
      throw asUnavailable(error, `get workflow ${request.name}`);
    }

    const plan = planResume(workflow, request, options.now?.() ?? new Date());
    if (plan.outcome !== 'resumed' && plan.outcome !== 'parked') return { outcome: plan.outcome, workflow: request.name, reason: plan.reason, attempts: attempt };
    const summary =
      plan.outcome === 'parked'
        ? { outcome: plan.outcome, workflow: request.name, reason: plan.reason, fromStage: plan.fromStage, attempts: attempt }
        : { outcome: plan.outcome, workflow: request.name, node: plan.node, fromStage: plan.fromStage, toStage: plan.toStage, keys: plan.keys, attempts: attempt };
    if (request.dryRun) {
      const annotations = plan.workflow.metadata.annotations ?? {};
      const planned = {
        put: request.name,
        resourceVersion: workflow.metadata.resourceVersion,
        node: summary.node,
        stage: plan.outcome === 'parked' ? `${plan.fromStage} (unchanged)` : `${plan.fromStage} → ${plan.toStage}`,
        outputs: plan.outcome === 'parked' ? {} : (request.outputs ?? {}),
        annotations: { [DEDUP_ANNOTATION]: annotations[DEDUP_ANNOTATION], [UPDATED_AT_ANNOTATION]: annotations[UPDATED_AT_ANNOTATION], [PARKED_ANNOTATION]: annotations[PARKED_ANNOTATION] },
        compressedNodes: plan.workflow.status?.compressedNodes !== undefined,
      };
      return { ...summary, planned };
    }
    try {
      await call('update', 'workflows', () => customObjects().replaceNamespacedCustomObject({ ...WORKFLOWS, namespace, name: request.name, body: plan.workflow }));
    } catch (error) {
      const status = statusOf(error);
      if (status === 409) return 'conflict';
      if (status === 404) return { outcome: 'no-workflow', workflow: request.name, reason: `${request.name} was deleted`, attempts: attempt };
      throw asUnavailable(error, `update workflow ${request.name}`);
    }
    return summary;
  }

  const codeRuns: CodeRuns = {
    async deleteForTask({ taskId, workflowName, githubApps, dryRun }) {
      const labelSelector = `task-id=${taskId},github-app in (${githubApps.join(',')})`;
      const list = (await call('list', 'coderuns', () => customObjects().listNamespacedCustomObject({ ...CODERUNS, namespace, labelSelector })).catch((error) => {
        throw asUnavailable(error, `list coderuns ${labelSelector}`);
      })) as { items?: { metadata: { name: string; labels?: Record<string, string> } }[] };

      const mine = (list.items ?? []).filter((run) => {
        const owner = run.metadata.labels?.['workflow-name'];
        return owner === undefined || owner === workflowName;
      });
      const deletions: CodeRunDeletion[] = [];
      for (const run of mine) {
        const githubApp = run.metadata.labels?.['github-app'] ?? '';
        if (dryRun) {
          deletions.push({ name: run.metadata.name, githubApp, result: 'planned' });
          continue;
        }
        try {
          await call('delete', 'coderuns', () => customObjects().deleteNamespacedCustomObject({ ...CODERUNS, namespace, name: run.metadata.name }));
          deletions.push({ name: run.metadata.name, githubApp, result: 'deleted' });
        } catch (error) {
          if (statusOf(error) !== 404) throw asUnavailable(error, `delete coderun ${run.metadata.name}`);
          deletions.push({ name: run.metadata.name, githubApp, result: 'already-gone' });
        }
      }
      return deletions;
    },
  };

  return { workflows, codeRuns };
}
