// Helpers for the guarantee e2e tests: workflows and their node history, signed deliveries to the
// real EventSource, the stack's control server and fake GitHub, the functions' logs, dead letters.
// Plays of the shipped template: ../shipped-play.ts.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { fakePullNumber } from '../../fakes/fake-github';
import { AGENTS_GITHUB_TOKEN } from '../../../dev/stack/github/local-github';
import { attemptsOf, loggedEvents, type HandledEvent } from '../../../dev/stack/functions/function-log';
import type { KubeRest } from '../../../dev/stack/kube-rest';
import { fromSecret, type DeadLetter, type DeadLetterSecret } from '../../../shared/dead-letters/dead-letter';
import { scenarioPayload, type Scenario } from '../../../dev/stack/github/payloads';
import { deliverWebhook, type DeliveryResult } from '../../../dev/stack/github/webhook';
import { eventually, getWorkflow, kube, stack, type Workflow } from '../support';

const run = promisify(execFile);

export const repository = 'Codertocat/Hello-World';
export const repositoryLabel = 'codertocat-hello-world';

export type GuaranteeWorkflow = Workflow;

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


/** `argo resume --node-field-selector displayName=<node>`: how an operator resumes a play stopped in stage failed (docs/operations.md). */
export async function resumeNode(name: string, displayName: string): Promise<void> {
  const { argo, kubeconfig, namespace } = stack();
  await run(argo, ['resume', name, '-n', namespace, '--node-field-selector', `displayName=${displayName}`], { env: { ...process.env, KUBECONFIG: kubeconfig } });
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

// ---- rex-push remediation: the task's CodeRuns ----

const codeRunsPath = (namespace: string) => `/apis/agents.platform/v1/namespaces/${namespace}/coderuns`;


export async function codeRunNames(rest: KubeRest, task: number): Promise<string[]> {
  const res = await rest.call<{ items: { metadata: { name: string } }[] }>('GET', `${codeRunsPath(stack().namespace)}?labelSelector=task-id%3D${task}`);
  expect(res.status, res.text).toBe(200);
  return res.body.items.map((i) => i.metadata.name).sort();
}

// ---- the stack's fault-injection control (dev/stack/control-server.ts) and its fake GitHub ----

export async function control<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const { controlUrl, controlToken } = stack();
  const res = await fetch(`${controlUrl}${path}`, { method, headers: { Authorization: `Bearer ${controlToken}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface StackProcess { name: string; pid: number; running: boolean }

/** The stack's processes (dev/stack/processes/process-registry.ts), by name. */
export const stackProcesses = () => control<StackProcess[]>('GET', '/processes');

export type GitHubMode = 'ok' | 'error500' | 'secondary-rate-limit' | 'stall-label-removal';
export const setGitHubMode = (mode: GitHubMode) => control('PUT', '/github/mode', { mode });

export interface GitHubRequest { method: string; path: string; status?: number }

/** Label removals the fake GitHub got for `task`'s PR (status undefined: stalled, never answered). */
export async function labelRemovals(task: number): Promise<GitHubRequest[]> {
  const requests = await control<GitHubRequest[]>('GET', '/github/requests');
  return requests.filter((r) => r.method === 'DELETE' && r.path === `/repos/${repository}/issues/${fakePullNumber(task)}/labels/ready-for-qa`);
}

/** Cleo's hand-over on GitHub: adds ready-for-qa to the task's PR as the agents' App (the fake GitHub keeps it). */
export async function addReadyForQaLabel(task: number): Promise<void> {
  const headers = { 'Content-Type': 'application/json', Authorization: `token ${AGENTS_GITHUB_TOKEN}` };
  const res = await fetch(`${stack().githubApiUrl}/repos/${repository}/issues/${fakePullNumber(task)}/labels`, { method: 'POST', headers, body: JSON.stringify({ labels: ['ready-for-qa'] }) });
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


/** Waits until `fn` has logged `outcome` for `delivery` (through the Sensor, retries included); returns every attempt. */
export function untilOutcome(fn: string, delivery: string, outcome: string, timeoutMs = 120_000): Promise<HandledEvent[]> {
  return eventually(`${fn} answered ${outcome} to delivery ${delivery}`, async () => {
    const attempts = await handledDelivery(fn, delivery);
    return attempts.some((e) => e.outcome === outcome) ? attempts : undefined;
  }, timeoutMs);
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
