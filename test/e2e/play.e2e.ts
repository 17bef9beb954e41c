// The functions, the real Argo Events EventSource/Sensors and the real workflow-controller together.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scenarioPayload } from '../../harness/payloads';
import { deliverWebhook, signature256 } from '../../harness/webhook';
import { podlessTemplate } from './guarantees/support';
import { createWorkflow, getWorkflow, kube, nodeNamed, stack, uniqueTask, untilSuspendedAt, eventually, type Workflow } from './support';

const repository = 'Codertocat/Hello-World';
const playLabels = (task: number) => ({
  'workflow-type': 'play-orchestration',
  'task-id': String(task),
  repository: 'codertocat-hello-world',
  'current-stage': 'waiting-pr-created',
});

/** A minimal hand-written play-shaped workflow: suspend `wait-pr-created`, then suspend `agent-cleo`. */
function minimalPlay(task: number) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: `play-e2e-${task}-`, labels: playLabels(task) },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', steps: [[{ name: 'wait-pr-created', template: 'wait' }], [{ name: 'agent-cleo', template: 'wait' }]] },
        { name: 'wait', suspend: {} },
      ],
    },
  };
}

/** The generated podless play template, submitted by reference with its declared parameters filled in. */
async function submitPodlessPlay(task: number): Promise<string> {
  const rest = kube();
  const { namespace } = stack();
  const template = await rest.call<{ spec: { arguments?: { parameters?: { name: string; value?: string }[] } } }>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflowtemplates/${podlessTemplate()}`);
  expect(template.status).toBe(200);
  const known: Record<string, string> = { 'task-id': String(task), repository: playLabels(task).repository, 'repository-url': `https://github.com/${repository}`, service: 'e2e' };
  const parameters = (template.body.spec.arguments?.parameters ?? []).map((p) => ({ name: p.name, value: known[p.name] ?? p.value ?? 'e2e' }));
  return createWorkflow(rest, namespace, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: `play-${task}-`, labels: playLabels(task) },
    spec: { workflowTemplateRef: { name: podlessTemplate() }, arguments: { parameters } },
  });
}

/**
 * The real CLI plays the part of an agent finishing: `argo node set` reports the CodeRun's phase (the real
 * step's `phase` output), then `argo resume --node-field-selector` ends the node.
 */
function argoResume(name: string, displayName: string): void {
  const { argo, kubeconfig, namespace } = stack();
  const options = { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: 'pipe' as const };
  execFileSync(argo, ['node', 'set', name, '-n', namespace, '--output-parameter', 'phase=Succeeded', '--node-field-selector', `displayName=${displayName}`], options);
  execFileSync(argo, ['resume', name, '-n', namespace, '--node-field-selector', `displayName=${displayName}`], options);
}

/** What the template's update-workflow-stage step does: a merge patch of the stage label. */
async function setStage(name: string, stage: string): Promise<void> {
  const { namespace } = stack();
  const res = await kube().call('PATCH', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows/${name}`, { metadata: { labels: { 'current-stage': stage } } }, 'application/merge-patch+json');
  expect(res.status, res.text).toBe(200);
}

describe('function against the real workflow-controller (direct GitHub delivery)', () => {
  it.skipIf(!stack().functionUrls['pr-opened'])('a signed pull_request.opened resumes wait-pr-created and the controller runs on', async () => {
    const rest = kube();
    const { namespace, functionUrls, webhookSecret } = stack();
    const task = uniqueTask();
    const name = await createWorkflow(rest, namespace, minimalPlay(task));
    await untilSuspendedAt(rest, namespace, name, 'wait-pr-created');
    const { event, payload } = scenarioPayload('pr-opened', { task });
    const result = await deliverWebhook({ url: functionUrls['pr-opened']!, event, payload, secret: webhookSecret });
    expect(result.status, result.body).toBe(200);
    expect(JSON.parse(result.body).outcome).toBe('resumed');
    const after = await untilSuspendedAt(rest, namespace, name, 'agent-cleo');
    expect(nodeNamed(after, 'wait-pr-created')?.phase).toBe('Succeeded');
    expect(after.metadata.labels?.['current-stage']).toBe('quality-in-progress');
  });

  it.skipIf(!stack().functionUrls['pr-opened'])('rejects a wrong trigger token and leaves the workflow unchanged', async () => {
    const rest = kube();
    const { namespace, functionUrls } = stack();
    const task = uniqueTask();
    const name = await createWorkflow(rest, namespace, minimalPlay(task));
    const before = await untilSuspendedAt(rest, namespace, name, 'wait-pr-created');
    const { payload } = scenarioPayload('pr-opened', { task });
    const response = await fetch(functionUrls['pr-opened']!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer not-the-token' },
      body: JSON.stringify({ headers: { 'X-Github-Event': ['pull_request'] }, body: { ...payload, 'X-GitHub-Event': 'pull_request', 'X-GitHub-Delivery': 'e2e-wrong-token' } }),
    });
    expect(response.status).toBe(401);
    const after: Workflow = await getWorkflow(rest, namespace, name);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(nodeNamed(after, 'wait-pr-created')?.phase).toBe('Running');
  });
});

describe('GitHub → real EventSource → real Sensor → function → real controller', () => {
  it.skipIf(!stack().eventSourceUrl)('happy path: the podless play runs past wait-pr-created after a signed pull_request.opened', async () => {
    const rest = kube();
    const { namespace, eventSourceUrl, webhookSecret } = stack();
    const task = uniqueTask();
    const name = await submitPodlessPlay(task);
    // Podless variant: agent steps are suspend nodes; the argo CLI finishes Rex, as Rex's CodeRun would.
    await untilSuspendedAt(rest, namespace, name, 'agent-rex');
    argoResume(name, 'agent-rex');
    await untilSuspendedAt(rest, namespace, name, 'wait-pr-created');
    // The podless variant omits the update-workflow-stage resource steps (they need pods); make
    // the same merge patch they would make.
    await setStage(name, 'waiting-pr-created');
    const { event, payload } = scenarioPayload('pr-opened', { task, repository });
    const result = await deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret });
    expect(result.status, result.body).toBe(200);
    const after = await eventually('wait-pr-created Succeeded and stage moved', async () => {
      const wf = await getWorkflow(rest, namespace, name);
      return nodeNamed(wf, 'wait-pr-created')?.phase === 'Succeeded' && wf.metadata.labels?.['current-stage'] === 'quality-in-progress' ? wf : undefined;
    });
    // The controller itself moved on: Cleo's (podless) step is now running.
    await untilSuspendedAt(rest, namespace, after.metadata.name, 'agent-cleo');
  });

  it.skipIf(!stack().eventSourceUrl)('the EventSource rejects a wrong signature', async () => {
    const { eventSourceUrl, webhookSecret } = stack();
    const { event, payload } = scenarioPayload('pr-opened', { task: uniqueTask() });
    const wrong = signature256(`${webhookSecret}-wrong`, JSON.stringify(payload));
    const result = await deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret, signature: wrong });
    expect(result.status).toBe(400);
    const good = await deliverWebhook({ url: eventSourceUrl!, event: 'ping', payload: { zen: 'e2e' }, secret: webhookSecret });
    expect(good.status).toBe(200);
  });
});

