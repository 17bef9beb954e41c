// Plays on the local stack: start one for a task from the installed play-orchestration
// WorkflowTemplate (what `argo submit --from workflowtemplate/play-orchestration -p task-id=N …`
// does on a cluster), and list them with where each one stands. Used by `npm run play` and the e2e tests.
import { WORKFLOW_LABELS } from '../../../shared/contract';
import { repositoryLabelOf } from '../../../shared/correlation/select-workflow';
import type { KubeRest } from '../kube-rest';

export const PLAY_TEMPLATE_NAME = 'play-orchestration';

/** The fixtures' repository (@octokit/webhooks-examples), which `npm run send` uses unless told otherwise. */
export const DEFAULT_REPOSITORY = 'Codertocat/Hello-World';

export interface StartPlayOptions {
  rest: KubeRest;
  namespace: string;
  task: number | string;
  /** owner/name of the task's repository. */
  repository?: string;
  /** Values for other parameters the template declares (e.g. `service`). */
  parameters?: Record<string, string>;
}

interface TemplateObject {
  spec: { arguments?: { parameters?: { name: string; value?: string }[] } };
}

const workflowsPath = (namespace: string) => `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`;

/**
 * Submits a play for `task` by reference to the installed template, filling each parameter it
 * declares: task-id, repository (the label value the functions match) and repository-url from the
 * task, others from `parameters`, then the template's default; a parameter with neither is an error.
 * Returns the new workflow's name.
 */
export async function startPlay(options: StartPlayOptions): Promise<string> {
  const task = String(options.task);
  if (!/^[1-9][0-9]{0,9}$/.test(task)) throw new Error(`--task must be a positive number, not ${JSON.stringify(task)}`);
  const repository = options.repository ?? DEFAULT_REPOSITORY;
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new Error(`--repo must be owner/name, not ${JSON.stringify(repository)}`);

  const template = await options.rest.call<TemplateObject>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${options.namespace}/workflowtemplates/${PLAY_TEMPLATE_NAME}`);
  if (template.status === 404) throw new Error(`no WorkflowTemplate ${PLAY_TEMPLATE_NAME} in namespace ${options.namespace}: is the stack (npm start) running?`);
  if (template.status !== 200) throw new Error(`reading WorkflowTemplate ${PLAY_TEMPLATE_NAME}: HTTP ${template.status}`);

  const known: Record<string, string> = {
    service: 'local',
    ...options.parameters,
    [WORKFLOW_LABELS.taskId]: task,
    repository: repositoryLabelOf(owner, repo),
    'repository-url': `https://github.com/${owner}/${repo}`,
  };
  const parameters = (template.body.spec.arguments?.parameters ?? []).map(({ name, value }) => {
    const filled = known[name] ?? value;
    if (filled === undefined) throw new Error(`the template's parameter ${name} has no default: pass it (--param ${name}=…)`);
    return { name, value: filled };
  });

  const created = await options.rest.call<{ metadata: { name: string } }>('POST', workflowsPath(options.namespace), {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: `play-${task}-` },
    spec: { workflowTemplateRef: { name: PLAY_TEMPLATE_NAME }, arguments: { parameters } },
  });
  if (created.status !== 201) throw new Error(`creating the play: HTTP ${created.status} ${created.text}`);
  return created.body.metadata.name;
}

export interface PlaySummary {
  name: string;
  task: string;
  stage: string;
  phase: string;
  /** Display names of the suspend nodes the play waits at (an event or an operator resumes them). */
  waitingAt: string[];
  created: string;
}

interface WorkflowObject {
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  status?: { phase?: string; nodes?: Record<string, { displayName: string; type: string; phase: string }> };
}

/** Every play in the namespace (label workflow-type=play-orchestration), oldest first; only `task`'s when given. */
export async function listPlays(rest: KubeRest, namespace: string, task?: number | string): Promise<PlaySummary[]> {
  const selector = [`${WORKFLOW_LABELS.type}=${WORKFLOW_LABELS.typeValue}`, ...(task === undefined ? [] : [`${WORKFLOW_LABELS.taskId}=${task}`])].join(',');
  const res = await rest.call<{ items: WorkflowObject[] }>('GET', `${workflowsPath(namespace)}?labelSelector=${encodeURIComponent(selector)}`);
  if (res.status !== 200) throw new Error(`listing plays: HTTP ${res.status} ${res.text}`);
  return res.body.items
    .map((wf) => ({
      name: wf.metadata.name,
      task: wf.metadata.labels?.[WORKFLOW_LABELS.taskId] ?? '',
      stage: wf.metadata.labels?.[WORKFLOW_LABELS.stage] ?? '',
      phase: wf.status?.phase ?? 'Pending',
      waitingAt: Object.values(wf.status?.nodes ?? {})
        .filter((node) => node.type === 'Suspend' && node.phase === 'Running')
        .map((node) => node.displayName)
        .sort(),
      created: wf.metadata.creationTimestamp,
    }))
    .sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
}
