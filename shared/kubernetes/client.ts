/** The production Kubernetes clients over client-node's CustomObjectsApi: play workflows (list, resume) here, CodeRuns in coderun-client.ts. */
import { CustomObjectsApi, type KubeConfig } from './client-node';
import { KeepAliveKubeConfig } from './keep-alive-kube-config';
import { asUnavailable, statusOf } from './api-errors';
import { planRemediation } from './plan-remediation';
import { planResume } from './plan-resume';
import { createCodeRunClient } from './coderun-client';
import { KubernetesUnavailableError, type CodeRuns, type PlayWorkflows, type RemediationDecision, type RemediationRequest, type ResumeRequest, type ResumeResult, type WorkflowSummary } from './types';
import { WORKFLOWS, recordedKeysOf, type Workflow } from './workflow';
import { DEDUP_ANNOTATION, PARKED_ANNOTATION, UPDATED_AT_ANNOTATION, WORKFLOW_LABELS } from '../contract';

export interface KubernetesCallInfo {
  readonly verb: string;
  readonly resource: string;
  readonly durationMs: number;
  readonly error?: unknown;
}

export interface KubernetesClientsOptions {
  readonly namespace: string;
  /** Default: KUBECONFIG, ~/.kube/config or the in-cluster service account, with kept-alive TLS connections. */
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
      const kubeConfig = options.kubeConfig ?? new KeepAliveKubeConfig();
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
      // A PUT body needs apiVersion and kind; items of a custom resource list carry them, this only makes sure.
      listed: { apiVersion: `${WORKFLOWS.group}/${WORKFLOWS.version}`, kind: 'Workflow', ...workflow },
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
      return retryingConflicts(request.name, (attempt) => resumeOnce(request, attempt));
    },

    async decideRemediation(request) {
      return retryingConflicts(request.name, (attempt) => decideOnce(request, attempt));
    },
  };

  /** Runs `once` again after a 409, with Argo's retry.DefaultRetry backoff; too many conflicts are unavailable (503). */
  async function retryingConflicts<T>(name: string, once: (attempt: number) => Promise<T | 'conflict'>): Promise<T> {
    const backoff = options.conflictBackoff ?? { steps: 5, initialMs: 10, factor: 2 };
    let delay = backoff.initialMs;
    for (let attempt = 1; ; attempt += 1) {
      const result = await once(attempt);
      if (result !== 'conflict') return result;
      options.onConflict?.();
      if (attempt >= backoff.steps) throw new KubernetesUnavailableError(`${name} kept changing: ${attempt} conflicting writes in a row`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= backoff.factor;
    }
  }

  /**
   * The object an attempt plans from. The first attempt takes the one the list just returned (request.listed),
   * saving a GET; after a 409, or without a listed object, it GETs. Why that is safe: the PUT carries the
   * resourceVersion of the object it was planned from and the apiserver refuses it (409) if the workflow changed
   * since, so a stale listed object can only cost a 409 and a re-read, never a lost update. An answer that writes
   * nothing (duplicate, not-ready...) is then as of the list instead of a GET a few ms later: both are consistent
   * reads, and either may be outdated by the time it is sent. So a caller passes a listed object only when nothing
   * it did since the list needs a later read (decideOnce never does). `undefined`: the GET answered 404.
   */
  async function read(name: string, listed: Workflow | undefined, attempt: number): Promise<Workflow | undefined> {
    if (attempt === 1 && listed?.metadata.name === name) return listed;
    try {
      return (await call('get', 'workflows', () => customObjects().getNamespacedCustomObject({ ...WORKFLOWS, namespace, name }))) as Workflow;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw asUnavailable(error, `get workflow ${name}`);
    }
  }

  /**
   * GET → planRemediation → PUT (only a new cancellation writes), resourceVersion-checked. Always a GET, never the
   * listed object: a `gate` decision writes nothing, yet deletes the CodeRuns listed before it, and that is only
   * safe when the workflow was read after them (a play that moved on since its list may have started a new QA run).
   */
  async function decideOnce(request: RemediationRequest, attempt: number): Promise<RemediationDecision | 'conflict'> {
    const workflow = await read(request.name, undefined, attempt);
    if (!workflow) return { outcome: 'no-workflow', reason: `${request.name} no longer exists` };
    const plan = planRemediation(workflow, request, options.now?.() ?? new Date());
    if (plan.outcome !== 'decided') return plan;
    const { workflow: toWrite, ...decision } = plan;
    if (!toWrite || request.dryRun) return decision;
    try {
      await call('update', 'workflows', () => customObjects().replaceNamespacedCustomObject({ ...WORKFLOWS, namespace, name: request.name, body: toWrite }));
    } catch (error) {
      const status = statusOf(error);
      if (status === 409) return 'conflict';
      if (status === 404) return { outcome: 'no-workflow', reason: `${request.name} was deleted` };
      throw asUnavailable(error, `update workflow ${request.name}`);
    }
    return decision;
  }

  /** One read (the listed object, else a GET) → plan → PUT with the resourceVersion read; 'conflict' when the PUT answers 409. */
  async function resumeOnce(request: ResumeRequest, attempt: number): Promise<ResumeResult | 'conflict'> {
    const workflow = await read(request.name, request.listed, attempt);
    if (!workflow) return { outcome: 'no-workflow', workflow: request.name, reason: `${request.name} no longer exists`, attempts: attempt };

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

  const codeRuns = createCodeRunClient({ namespace, customObjects, call });

  return { workflows, codeRuns };
}
