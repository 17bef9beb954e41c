// Helpers for the guarantee e2e tests: the podless play workflow, the agent/stage role the
// podless variant leaves to the test, signed deliveries to the real EventSource, node history.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { KubeRest } from '../../../harness/kube-rest';
import { scenarioPayload, type Scenario } from '../../../harness/payloads';
import { deliverWebhook, type DeliveryResult } from '../../../harness/webhook';
import { createWorkflow, eventually, getWorkflow, kube, stack, type Workflow, type WorkflowNode } from '../support';

const run = promisify(execFile);

export const repository = 'Codertocat/Hello-World';
export const repositoryLabel = 'codertocat-hello-world';

export interface GuaranteeWorkflow extends Workflow {
  metadata: Workflow['metadata'] & { annotations?: Record<string, string> };
  status?: { phase?: string; nodes?: Record<string, WorkflowNode & { outputs?: { parameters?: { name: string; value?: string }[] }; startedAt?: string; message?: string }> };
}

const wfPath = (namespace: string, name: string) => `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows/${name}`;

/** The generated podless play template, submitted by reference (as play.e2e.ts does). */
export async function submitPodlessPlay(rest: KubeRest, task: number): Promise<string> {
  const { namespace } = stack();
  const template = await rest.call<{ spec: { arguments?: { parameters?: { name: string; value?: string }[] } } }>('GET', `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflowtemplates/play-orchestration`);
  expect(template.status).toBe(200);
  const known: Record<string, string> = { 'task-id': String(task), repository: repositoryLabel, 'repository-url': `https://github.com/${repository}`, service: 'e2e' };
  const parameters = (template.body.spec.arguments?.parameters ?? []).map((p) => ({ name: p.name, value: known[p.name] ?? p.value ?? 'e2e' }));
  return createWorkflow(rest, namespace, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      generateName: `play-g-${task}-`,
      labels: { 'workflow-type': 'play-orchestration', 'task-id': String(task), repository: repositoryLabel, 'current-stage': 'implementation-in-progress' },
    },
    spec: { workflowTemplateRef: { name: 'play-orchestration' }, arguments: { parameters } },
  });
}

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

/** `argo resume --node-field-selector`: the real CLI finishes a podless agent, as its CodeRun would. */
export async function finishAgent(name: string, displayName: string): Promise<void> {
  const { argo, kubeconfig, namespace } = stack();
  await run(argo, ['resume', name, '-n', namespace, '--node-field-selector', `displayName=${displayName}`], { env: { ...process.env, KUBECONFIG: kubeconfig } });
}

/** The merge patch the template's update-workflow-stage step makes (dropped in the podless variant). */
export async function setStage(rest: KubeRest, name: string, stage: string): Promise<void> {
  const res = await rest.call('PATCH', wfPath(stack().namespace, name), { metadata: { labels: { 'current-stage': stage } } }, 'application/merge-patch+json');
  expect(res.status, res.text).toBe(200);
}

/** Plays an agent step: waits for `agent-<x>` (the `count`th), finishes it, waits for the gate and sets its stage. */
export async function playAgent(rest: KubeRest, name: string, agent: 'agent-rex' | 'agent-cleo' | 'agent-tess', gate: string, stage: string, count = 1): Promise<GuaranteeWorkflow> {
  await untilActive(rest, name, agent, count);
  await finishAgent(name, agent);
  await untilActive(rest, name, gate, count);
  await setStage(rest, name, stage);
  return readWorkflow(rest, name);
}

/** A signed GitHub webhook to the real EventSource (as GitHub sends it). */
export async function sendToEventSource(scenario: Scenario, task: number, delivery: string = randomUUID()): Promise<DeliveryResult> {
  const { eventSourceUrl, webhookSecret } = stack();
  const { event, payload } = scenarioPayload(scenario, { task, repository });
  return deliverWebhook({ url: eventSourceUrl!, event, payload, secret: webhookSecret, delivery });
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

export interface RecordingGitHub {
  url: string;
  requests: { method: string; path: string }[];
  /** `ok`, or every request answered 500, or a secondary rate limit (403 with Retry-After). */
  mode: 'ok' | 'error500' | 'secondary-rate-limit';
  close(): Promise<void>;
}

/**
 * A GitHub REST stand-in whose task branches each have one open PR carrying `ready-for-qa`
 * (the harness's fake GitHub answers 404 to the pull-request listing, so rex-push could never
 * find the PR through it). Records every request.
 */
export async function startRecordingGitHub(): Promise<RecordingGitHub> {
  const { createServer } = await import('node:http');
  const requests: RecordingGitHub['requests'] = [];
  const state = { mode: 'ok' as RecordingGitHub['mode'] };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
      res.setHeader('Content-Type', 'application/json');
      if (state.mode === 'error500') {
        res.statusCode = 500;
        res.end(JSON.stringify({ message: 'Server Error' }));
        return;
      }
      if (state.mode === 'secondary-rate-limit') {
        res.statusCode = 403;
        res.setHeader('Retry-After', '7');
        res.end(JSON.stringify({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }));
        return;
      }
      const list = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname);
      if (req.method === 'GET' && list) {
        const head = url.searchParams.get('head') ?? '';
        const [owner = '', ref = ''] = head.split(':');
        const task = /task-(\d+)/.exec(ref)?.[1];
        res.end(JSON.stringify(task ? [{ number: Number(task) % 100_000 + 1, state: 'open', head: { ref, label: `${owner}:${ref}` }, labels: [{ name: `task-${task}` }, { name: 'ready-for-qa' }] }] : []));
        return;
      }
      if (req.method === 'DELETE' && /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/labels\/[^/]+$/.test(url.pathname)) {
        res.end(JSON.stringify([{ name: 'task-x' }]));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ message: 'Not Found (guarantees recording GitHub)' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get mode() { return state.mode; },
    set mode(mode) { state.mode = mode; },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface OwnFunction { url: string; stop(): Promise<void> }

/** Starts `node dist/functions/<name>/index.js` against the stack's apiserver and the given GitHub. */
export async function startOwnFunction(name: string, githubApiUrl: string): Promise<OwnFunction> {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const { join } = await import('node:path');
  const { openSync, mkdirSync } = await import('node:fs');
  const { repoRoot } = await import('../../../harness/versions');
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const { kubeconfig, namespace, triggerToken, webhookSecret, logDir } = stack();
  mkdirSync(logDir, { recursive: true });
  const out = openSync(join(logDir, `guarantees-function-${name}-${port}.log`), 'a');
  const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist', 'functions', name, 'index.js')], {
    env: { PATH: process.env.PATH, PORT: String(port), NAMESPACE: namespace, KUBECONFIG: kubeconfig, TRIGGER_TOKENS: triggerToken, GITHUB_WEBHOOK_SECRETS: webhookSecret, GITHUB_TOKEN: 'e2e-token', GITHUB_API_URL: githubApiUrl },
    stdio: ['ignore', out, out],
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(`own ${name} ready`, async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok ? true : undefined), 60_000);
  return {
    url,
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** A signed Rex push for `task` with a fresh head SHA (rex-push deduplicates by `sha:<after>`). */
export async function sendRexPush(url: string, task: number, delivery: string = randomUUID(), after?: string): Promise<DeliveryResult & { after: string }> {
  const { webhookSecret } = stack();
  const { event, payload } = scenarioPayload('rex-push', { task, repository });
  const { randomBytes } = await import('node:crypto');
  payload.after = after ?? randomBytes(20).toString('hex');
  const result = await deliverWebhook({ url, event, payload, secret: webhookSecret, delivery });
  return { ...result, after: payload.after };
}

// ---- what the functions did: their per-event log lines (one JSON line per handled event) ----

export interface HandledEvent { function: string; deliveryId?: string; task?: string; workflow?: string; outcome: string; status: number }

/** Every event the shared function `fn` logged for `task` (its log under the stack's logDir). */
export async function handledEvents(fn: string, task: number): Promise<HandledEvent[]> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const text = await readFile(join(stack().logDir, `function-${fn}.log`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.includes(`"task":"${task}"`))
    .map((line) => { try { return JSON.parse(line) as HandledEvent & { msg?: string }; } catch { return undefined; } })
    .filter((e): e is HandledEvent & { msg?: string } => e?.msg === 'event');
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
export async function playOpenedThroughEventSource(rest: KubeRest, task: number): Promise<string> {
  const name = await submitPodlessPlay(rest, task);
  await playAgent(rest, name, 'agent-rex', 'wait-pr-created', 'waiting-pr-created');
  expect((await sendToEventSource('pr-opened', task)).status).toBe(200);
  await untilGatePassed(rest, name, 'wait-pr-created', 'quality-in-progress');
  return name;
}

/**
 * For the file: a rex-push function of its own, pointed at a recording GitHub stand-in that
 * knows the task's PR. Read `.github` and `.rexPush` inside tests (they exist after beforeAll).
 */
export function useOwnRexPush(): { github: RecordingGitHub; rexPush: OwnFunction } {
  const own = {} as { github: RecordingGitHub; rexPush: OwnFunction };
  beforeAll(async () => {
    own.github = await startRecordingGitHub();
    own.rexPush = await startOwnFunction('rex-push', own.github.url);
  });
  afterAll(async () => {
    await own.rexPush?.stop();
    await own.github?.close();
  });
  return own;
}
