// Helpers for the guarantee e2e tests: the podless play workflow, the agent/stage role the
// podless variant leaves to the test, signed deliveries to the real EventSource, node history.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { fakePullNumber } from '../../fakes/fake-github';
import { attemptsOf, loggedEvents, type HandledEvent } from '../../../harness/function-log';
import type { KubeRest } from '../../../harness/kube-rest';
import { fromSecret, type DeadLetter, type DeadLetterSecret } from '../../../shared/dead-letters/dead-letter';
import { scenarioPayload, type Scenario } from '../../../harness/payloads';
import { deliverWebhook, type DeliveryResult } from '../../../harness/webhook';
import { PODLESS_TEMPLATE_NAME } from '../../../harness/plays';
import { createWorkflow, eventually, getWorkflow, kube, stack, type Workflow } from '../support';

const run = promisify(execFile);

export const repository = 'Codertocat/Hello-World';
export const repositoryLabel = 'codertocat-hello-world';

export type GuaranteeWorkflow = Workflow;

const wfPath = (namespace: string, name: string) => `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows/${name}`;

/** The generated podless play template, submitted by reference (as play.e2e.ts does). */
export async function submitPodlessPlay(rest: KubeRest, task: number, overrides: Record<string, string> = {}): Promise<string> {
  const { namespace } = stack();
  const template = await rest.call<{ spec: { arguments?: { parameters?: { name: string; value?: string }[] } } }>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflowtemplates/${podlessTemplate()}`);
  expect(template.status).toBe(200);
  const known: Record<string, string> = { 'task-id': String(task), repository: repositoryLabel, 'repository-url': `https://github.com/${repository}`, service: 'e2e', ...overrides };
  const parameters = (template.body.spec.arguments?.parameters ?? []).map((p) => ({ name: p.name, value: known[p.name] ?? p.value ?? 'e2e' }));
  return createWorkflow(rest, namespace, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      generateName: `play-g-${task}-`,
      labels: { 'workflow-type': 'play-orchestration', 'task-id': String(task), repository: repositoryLabel, 'current-stage': 'implementation-in-progress' },
    },
    spec: { workflowTemplateRef: { name: podlessTemplate() }, arguments: { parameters } },
  });
}

/** The podless variant: installed beside the shipped template with a node, in its place without one. */
export const podlessTemplate = () => (stack().node ? PODLESS_TEMPLATE_NAME : 'play-orchestration');

export async function readWorkflow(rest: KubeRest, name: string): Promise<GuaranteeWorkflow> {
  return (await getWorkflow(rest, stack().namespace, name)) as GuaranteeWorkflow;
}

export function nodesNamed(wf: GuaranteeWorkflow, displayName: string) {
  return Object.values(wf.status?.nodes ?? {}).filter((n) => n.displayName === displayName);
}

export function activeNode(wf: GuaranteeWorkflow, displayName: string) {
  return nodesNamed(wf, displayName).find((n) => n.phase === 'Running');
}

/** Waits until there are `count` nodes `displayName` and the newest is Running (a suspend node waiting). */
export function untilActive(rest: KubeRest, name: string, displayName: string, count = 1, timeoutMs = 150_000): Promise<GuaranteeWorkflow> {
  return eventually(
    `${name}: ${displayName} #${count} Running`,
    async () => {
      const wf = await readWorkflow(rest, name);
      const nodes = nodesNamed(wf, displayName);
      return nodes.length >= count && nodes.some((n) => n.phase === 'Running') ? wf : undefined;
    },
    timeoutMs,
  );
}

/**
 * The real CLI finishes a podless agent, as its CodeRun would: `argo node set` reports the CodeRun's phase
 * (the real step's `phase` output: Succeeded, or Failed for an agent failure), `argo resume --node-field-selector`
 * ends the node.
 */
export async function finishAgent(name: string, displayName: string, phase: 'Succeeded' | 'Failed' = 'Succeeded'): Promise<void> {
  const { argo, kubeconfig, namespace } = stack();
  const options = { env: { ...process.env, KUBECONFIG: kubeconfig } };
  await run(argo, ['node', 'set', name, '-n', namespace, '--output-parameter', `phase=${phase}`, '--node-field-selector', `displayName=${displayName}`], options);
  await run(argo, ['resume', name, '-n', namespace, '--node-field-selector', `displayName=${displayName}`], options);
}

/** `argo resume --node-field-selector displayName=<node>`: how an operator resumes a play stopped in stage failed (docs/operations.md). */
export async function resumeNode(name: string, displayName: string): Promise<void> {
  const { argo, kubeconfig, namespace } = stack();
  await run(argo, ['resume', name, '-n', namespace, '--node-field-selector', `displayName=${displayName}`], { env: { ...process.env, KUBECONFIG: kubeconfig } });
}

/** The merge patch the template's update-workflow-stage step makes (dropped in the podless variant). */
export async function setStage(rest: KubeRest, name: string, stage: string): Promise<void> {
  const res = await rest.call('PATCH', wfPath(stack().namespace, name), { metadata: { labels: { 'current-stage': stage } } }, 'application/merge-patch+json');
  expect(res.status, res.text).toBe(200);
}

/**
 * Plays an agent step: waits for `agent-<x>` (the `count`th), finishes it, waits for the gate (the `gateCount`th:
 * fewer than `count` when earlier passes were cancelled before their gate) and sets its stage.
 */
export async function playAgent(rest: KubeRest, name: string, agent: 'agent-rex' | 'agent-cleo' | 'agent-tess', gate: string, stage: string, count = 1, gateCount = count): Promise<GuaranteeWorkflow> {
  await untilActive(rest, name, agent, count);
  await finishAgent(name, agent);
  await untilActive(rest, name, gate, gateCount);
  await setStage(rest, name, stage);
  return readWorkflow(rest, name);
}

/** A signed GitHub webhook to the real EventSource (as GitHub sends it). */
export async function sendToEventSource(scenario: Scenario, task: number, delivery: string = randomUUID()): Promise<DeliveryResult> {
  const { eventSourceUrl, webhookSecret } = stack();
  const { event, payload } = scenarioPayload(scenario, { task, repository });
  return deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret, delivery });
}

/**
 * One delivery attempt as GitHub makes it: signed, given up after GitHub's 10 s, with the event's
 * X-GitHub-Delivery. GitHub lists a refused, failed or timed-out attempt as a failed delivery; its
 * redelivery sends the same event with the same X-GitHub-Delivery (the hook delivery's `guid`, "shared
 * with all deliveries ... [of] this event"; only the delivery's numeric `id` is new: github/rest-api-description
 * `hook-delivery`, github/docs#32822). `status` 0: no HTTP answer (connection refused or reset, timeout).
 */
export async function offerToEventSource(scenario: Scenario, task: number, delivery: string): Promise<DeliveryResult> {
  const { eventSourceUrl, webhookSecret } = stack();
  const { event, payload } = scenarioPayload(scenario, { task, repository });
  try {
    return await deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret, delivery, timeoutMs: 10_000 });
  } catch (error) {
    return { status: 0, body: String((error as { cause?: unknown }).cause ?? error), delivery };
  }
}

export function stageOf(wf: GuaranteeWorkflow): string | undefined {
  return wf.metadata.labels?.['current-stage'];
}

export function appliedEvents(wf: GuaranteeWorkflow): string[] {
  const raw = wf.metadata.annotations?.['handoff.dev/applied-events'];
  return raw ? (JSON.parse(raw) as string[]) : [];
}

/** Waits until `count` nodes `gate` Succeeded and the stage label is `stage`. */
export function untilGatePassed(rest: KubeRest, name: string, gate: string, stage: string, count = 1, timeoutMs = 120_000): Promise<GuaranteeWorkflow> {
  return eventually(
    `${name}: ${gate} Succeeded x${count} at stage ${stage}`,
    async () => {
      const wf = await readWorkflow(rest, name);
      const passed = nodesNamed(wf, gate).filter((n) => n.phase === 'Succeeded').length;
      return passed >= count && stageOf(wf) === stage ? wf : undefined;
    },
    timeoutMs,
  );
}

export function untilWorkflowPhase(rest: KubeRest, name: string, phase: string, timeoutMs = 120_000): Promise<GuaranteeWorkflow> {
  return eventually(`${name} ${phase}`, async () => {
    const wf = await readWorkflow(rest, name);
    return wf.status?.phase === phase ? wf : undefined;
  }, timeoutMs);
}

export function supplied(node: { outputs?: { parameters?: { name: string; value?: string }[] } } | undefined, parameter: string): string | undefined {
  return node?.outputs?.parameters?.find((p) => p.name === parameter)?.value;
}

export { kube, stack, eventually };

// ---- rex-push remediation: CodeRuns, a GitHub stand-in that has the PR, a dedicated rex-push ----

export interface CodeRunOptions { task: number; app: string; workflow: string; phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' }

const codeRunsPath = (namespace: string) => `/apis/agents.platform/v1/namespaces/${namespace}/coderuns`;

/** Creates a CodeRun and sets its status like the CodeRun controller would (status subresource). */
export async function createCodeRun(rest: KubeRest, options: CodeRunOptions): Promise<string> {
  const { namespace } = stack();
  const res = await rest.call<{ metadata: { name: string } }>('POST', codeRunsPath(namespace), {
    apiVersion: 'agents.platform/v1',
    kind: 'CodeRun',
    metadata: { generateName: `coderun-${options.app.toLowerCase()}-`, labels: { 'task-id': String(options.task), 'github-app': options.app, 'workflow-name': options.workflow } },
    spec: { taskId: options.task, service: 'e2e', repositoryUrl: `https://github.com/${repository}`, docsRepositoryUrl: `https://github.com/${repository}`, workingDirectory: '.', model: 'e2e', githubApp: options.app },
  });
  expect(res.status, res.text).toBe(201);
  const name = res.body.metadata.name;
  const status = await rest.call('PATCH', `${codeRunsPath(namespace)}/${name}/status`, { status: { phase: options.phase, lastUpdate: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } }, 'application/merge-patch+json');
  expect(status.status, status.text).toBe(200);
  return name;
}

export async function codeRunNames(rest: KubeRest, task: number): Promise<string[]> {
  const res = await rest.call<{ items: { metadata: { name: string } }[] }>('GET', `${codeRunsPath(stack().namespace)}?labelSelector=task-id%3D${task}`);
  expect(res.status, res.text).toBe(200);
  return res.body.items.map((i) => i.metadata.name).sort();
}

// ---- the stack's fault-injection control (harness/control-server.ts) and its fake GitHub ----

export async function control<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const { controlUrl, controlToken } = stack();
  const res = await fetch(`${controlUrl}${path}`, { method, headers: { Authorization: `Bearer ${controlToken}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface StackProcess { name: string; pid: number; running: boolean }

/** The stack's processes (harness/process-registry.ts), by name. */
export const stackProcesses = () => control<StackProcess[]>('GET', '/processes');

export type GitHubMode = 'ok' | 'error500' | 'secondary-rate-limit' | 'stall-label-removal';
export const setGitHubMode = (mode: GitHubMode) => control('PUT', '/github/mode', { mode });

export interface GitHubRequest { method: string; path: string; status?: number }

/** Label removals the fake GitHub got for `task`'s PR (status undefined: stalled, never answered). */
export async function labelRemovals(task: number): Promise<GitHubRequest[]> {
  const requests = await control<GitHubRequest[]>('GET', '/github/requests');
  return requests.filter((r) => r.method === 'DELETE' && r.path === `/repos/${repository}/issues/${fakePullNumber(task)}/labels/ready-for-qa`);
}

/** Cleo's hand-over on GitHub: adds ready-for-qa to the task's PR (the fake GitHub keeps it). */
export async function addReadyForQaLabel(task: number): Promise<void> {
  const res = await fetch(`${stack().githubApiUrl}/repos/${repository}/issues/${fakePullNumber(task)}/labels`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ labels: ['ready-for-qa'] }) });
  expect(res.status).toBe(200);
}

/** A signed Rex push for `task` through the EventSource, with a fresh head SHA unless given (rex-push deduplicates by `sha:<after>`). */
export async function sendRexPush(task: number, options: { delivery?: string; after?: string } = {}): Promise<DeliveryResult & { after: string }> {
  const { eventSourceUrl, webhookSecret } = stack();
  const { event, payload } = scenarioPayload('rex-push', { task, repository });
  payload.after = options.after ?? randomBytes(20).toString('hex');
  const result = await deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret, delivery: options.delivery ?? randomUUID() });
  return { ...result, after: payload.after };
}

// ---- what the functions did: their per-event log lines (one JSON line per handled event) ----

export type { HandledEvent };

/** Every event the shared function `fn` logged for `task` (its log under the stack's logDir). */
export function handledEvents(fn: string, task: number): Promise<HandledEvent[]> {
  return loggedEvents(stack().logDir, fn, `"task":"${task}"`);
}

/** Every attempt `fn` logged for one delivery, including failures logged before correlation (no task yet). */
export function handledDelivery(fn: string, delivery: string): Promise<HandledEvent[]> {
  return attemptsOf(stack().logDir, fn, delivery);
}

/** Waits until `fn` has logged at least `count` events for `task`. */
export function untilHandled(fn: string, task: number, count: number, timeoutMs = 60_000): Promise<HandledEvent[]> {
  return eventually(`${fn} handled ${count} events of task ${task}`, async () => {
    const events = await handledEvents(fn, task);
    return events.length >= count ? events : undefined;
  }, timeoutMs);
}

/**
 * A podless play for `task` taken to Cleo's turn the real way: Rex finishes, a signed
 * `pull_request.opened` goes through the EventSource and Sensor, and wait-pr-created passes.
 */
export async function playOpenedThroughEventSource(rest: KubeRest, task: number, parameters: Record<string, string> = {}): Promise<string> {
  const name = await submitPodlessPlay(rest, task, parameters);
  await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created');
  expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
  await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress');
  return name;
}

/** Waits until `fn` has logged `outcome` for `delivery` (through the Sensor, retries included); returns every attempt. */
export function untilOutcome(fn: string, delivery: string, outcome: string, timeoutMs = 120_000): Promise<HandledEvent[]> {
  return eventually(`${fn} answered ${outcome} to delivery ${delivery}`, async () => {
    const attempts = await handledDelivery(fn, delivery);
    return attempts.some((e) => e.outcome === outcome) ? attempts : undefined;
  }, timeoutMs);
}

/** Sets the active node `displayName` Failed with a workflow update, as a failed resource step would end. */
export async function failNode(name: string, displayName: string, message = 'CodeRun deleted (rex-push remediation)'): Promise<void> {
  const rest = kube();
  const { namespace } = stack();
  await eventually(`${displayName} of ${name} set Failed`, async () => {
    const wf = (await readWorkflow(rest, name)) as any;
    const node = Object.values(wf.status.nodes as Record<string, any>).find((n) => n.displayName === displayName && n.phase === 'Running');
    if (!node) throw new Error(`${displayName} not Running`);
    node.phase = 'Failed';
    node.message = message;
    node.finishedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const res = await rest.call('PUT', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows/${name}`, wf);
    return res.status === 200 ? true : undefined; // 409: the controller wrote first; read again
  }, 30_000);
}

// ---- dead letters: the Secrets the functions keep (shared/dead-letters) ----

/** The dead letters in the stack's namespace (admin read), of one function when given. */
export async function storedDeadLetters(fn?: string): Promise<DeadLetter[]> {
  const { namespace } = stack();
  const selector = encodeURIComponent(`handoff.dev/dead-letter=true${fn ? `,handoff.dev/function=${fn}` : ''}`);
  const res = await kube().call<{ items: DeadLetterSecret[] }>('GET', `/api/v1/namespaces/${namespace}/secrets?labelSelector=${selector}`);
  expect(res.status, res.text).toBe(200);
  return res.body.items.map(fromSecret);
}

/** Waits for the dead letter of `delivery` kept by `fn`. */
export function untilDeadLettered(fn: string, delivery: string, timeoutMs = 60_000): Promise<DeadLetter> {
  return eventually(`${fn} dead-lettered ${delivery}`, async () => (await storedDeadLetters(fn)).find((letter) => letter.deliveryId === delivery), timeoutMs);
}
