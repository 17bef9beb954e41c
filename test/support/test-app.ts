/**
 * One function's app, built by its entry's default export (functions/<name>/index.ts, as the bundles serve it)
 * from a test configuration and the fakes a test passes in.
 */
import { loadConfig } from '../../shared/config';
import type { FunctionDeclaration } from '../../shared/function-declaration';
import type { PullRequests } from '../../shared/github/types';
import type { CodeRuns, PlayWorkflows, WorkflowSummary } from '../../shared/kubernetes/types';
import { createLogger, type Logger } from '../../shared/observability/logger';
import type { DeadLetterRecorder } from '../../shared/dead-letters/secret-store';
import { MemoryDeadLetters } from '../fakes/memory-dead-letters';
import { createMetrics } from '../../shared/observability/metrics';
import { ENTRIES } from './entries';

export interface TestAppOptions {
  /** The declaration of one of the entries: its app is built by that entry. */
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
  /** Default: silent. */
  readonly logger?: Logger;
}

export function testApp(options: TestAppOptions) {
  const fn = ENTRIES[options.declaration.name];
  if (fn?.declaration !== options.declaration) throw new Error(`no entry in functions/ exports the declaration of ${options.declaration.name}`);
  const metrics = createMetrics();
  const deadLetters = options.deadLetters ?? new MemoryDeadLetters();
  // The defaults of a function's configuration (strict correlation, the default logins), with the test's settings.
  const config = {
    ...loadConfig({ NAMESPACE: 'argo', TRIGGER_TOKENS: 't', LOG_LEVEL: 'silent' }),
    triggerTokens: options.triggerTokens ?? ['t'],
    webhookSecrets: options.webhookSecrets ?? [],
    dryRun: options.dryRun ?? false,
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
  };
  const { app } = fn.app(config, {
    workflows: options.workflows,
    codeRuns: options.codeRuns,
    pullRequests: options.pullRequests,
    recordedKeys: options.recordedKeys,
    deadLetters,
    logger: options.logger ?? createLogger({ level: 'silent', function: options.declaration.name }),
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
