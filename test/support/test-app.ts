/** One function's app, wired from its declaration and the clients a test passes in. */
import type { FunctionDeclaration } from '../../shared/declarations';
import { DEFAULT_LOGINS } from '../../shared/declarations';
import type { PullRequests } from '../../shared/github/types';
import { createHandler, createRedriveHandler, createSweepHandler } from '../../shared/handler/handle-event';
import { createAuthenticate } from '../../shared/http/authenticate';
import { createApp } from '../../shared/http/create-app';
import type { CodeRuns, PlayWorkflows, WorkflowSummary } from '../../shared/kubernetes/types';
import { createLogger } from '../../shared/observability/logger';
import type { DeadLetterRecorder } from '../../shared/dead-letters/secret-store';
import { MemoryDeadLetters } from '../fakes/memory-dead-letters';
import { createMetrics } from '../../shared/observability/metrics';

export interface TestAppOptions {
  readonly declaration: FunctionDeclaration;
  readonly workflows: PlayWorkflows;
  readonly codeRuns: CodeRuns;
  readonly pullRequests: PullRequests;
  readonly recordedKeys: (workflow: WorkflowSummary) => readonly string[];
  readonly triggerTokens?: readonly string[];
  readonly webhookSecrets?: readonly string[];
  readonly dryRun?: boolean;
  readonly bodyLimitBytes?: number;
  readonly retryAfterSeconds?: number;
  /** Default: a MemoryDeadLetters, returned as `deadLetters`. */
  readonly deadLetters?: DeadLetterRecorder;
}

export function testApp(options: TestAppOptions) {
  const metrics = createMetrics();
  const deadLetters = options.deadLetters ?? new MemoryDeadLetters();
  const redrive = options.declaration.parkFrom?.length ? createRedriveHandler({ declaration: options.declaration, dryRun: options.dryRun ?? false, workflows: options.workflows }) : undefined;
  const app = createApp({
    functionName: options.declaration.name,
    authenticate: createAuthenticate({ triggerTokens: options.triggerTokens ?? ['t'], webhookSecrets: options.webhookSecrets ?? [], allowUnauthenticated: false }),
    handle: createHandler({
      declaration: options.declaration,
      logins: DEFAULT_LOGINS,
      correlation: 'strict',
      dryRun: options.dryRun ?? false,
      workflows: options.workflows,
      codeRuns: options.codeRuns,
      pullRequests: options.pullRequests,
      recordedKeys: options.recordedKeys,
    }),
    redrive,
    sweep: redrive ? createSweepHandler({ declaration: options.declaration, workflows: options.workflows, redrive }) : undefined,
    deadLetters,
    bodyLimitBytes: options.bodyLimitBytes ?? 5 * 1024 * 1024,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    logger: createLogger({ level: 'silent', function: options.declaration.name }),
    metrics,
  });
  /** POSTs a body (an object is sent as JSON) with a bearer token. */
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/', {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${(options.triggerTokens ?? ['t'])[0]}`, ...headers },
    });
  /** POSTs a re-drive (`/parked`), as the function's Sensor does for a changed play workflow. */
  const postParked = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/parked', {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${(options.triggerTokens ?? ['t'])[0]}`, ...headers },
    });
  return { app, metrics, post, postParked, deadLetters };
}
