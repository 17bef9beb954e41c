/** Wires one function from its declaration and configuration: clients, handler, app. No I/O happens here. */
import type { Hono } from 'hono';
import { hasGitHubCredentials, type Config } from '../config';
import type { FunctionDeclaration } from '../declarations';
import type { createGitHubClient } from '../github/client';
import { createHandler, createRedriveHandler, createSweepHandler } from '../handler/handle-event';
import { createAuthenticate } from '../http/authenticate';
import { createApp } from '../http/create-app';
import { watchTriggerTokenFile } from '../http/trigger-token-file';
import { createSecretDeadLetterStore, type DeadLetterRecorder } from '../dead-letters/secret-store';
import { createKubernetesClients, recordedDedupKeys } from '../kubernetes/client';
import { createLogger, type Logger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';

export interface FunctionApp {
  readonly app: Hono;
  readonly logger: Logger;
  /** Marks the function as shutting down: /readyz answers 503 from then on. */
  readonly drain: () => void;
}

export interface FunctionAppOptions {
  /**
   * The GitHub client, for the functions that call GitHub only (rex-push; pr-opened for its live label
   * read). Passed in by their entry points so the other functions' bundles do not carry Octokit.
   */
  readonly createGitHubClient?: typeof createGitHubClient;
}

export function buildFunctionApp(declaration: FunctionDeclaration, config: Config, options: FunctionAppOptions = {}): FunctionApp {
  const logger = createLogger({ level: config.logLevel, function: declaration.name });
  const metrics = createMetrics({ defaultMetrics: true });
  const kubernetes = createKubernetesClients({
    namespace: config.namespace,
    onCall: ({ verb, resource, durationMs, error }) =>
      metrics.kubernetesRequests.observe({ verb, resource, result: error ? 'error' : 'ok' }, durationMs / 1000),
    onConflict: () => metrics.resumeConflicts.inc({ function: declaration.name }),
  });
  // pr-opened without GitHub credentials still serves; it then relies on the task label's `labeled` event.
  const withGitHub = declaration.remediation || (declaration.readsLabelsLive && hasGitHubCredentials(config.github));
  if (withGitHub && !options.createGitHubClient) {
    throw new Error(`${declaration.name} calls GitHub: pass createGitHubClient (functions/${declaration.name}/index.ts does)`);
  }
  if (declaration.readsLabelsLive && !withGitHub) {
    logger.warn('no GitHub credentials: a PR opened without labels is correlated from its payload only (the task label\'s labeled event still resumes)');
  }
  const pullRequests = withGitHub
    ? options.createGitHubClient!({
        ...config.github,
        log: logger,
        onCall: ({ route, durationMs, error }) =>
          metrics.githubRequests.observe({ route, result: error ? 'error' : 'ok' }, durationMs / 1000),
      })
    : undefined;

  const handle = createHandler({
    declaration,
    logins: config.logins,
    correlation: config.correlation,
    dryRun: config.dryRun,
    workflows: kubernetes.workflows,
    codeRuns: declaration.remediation ? kubernetes.codeRuns : undefined,
    pullRequests,
    recordedKeys: recordedDedupKeys,
    onCorrelationFailure: (reason) => metrics.correlationFailures.inc({ function: declaration.name, reason }),
  });

  const redrive = declaration.parkFrom?.length ? createRedriveHandler({ declaration, dryRun: config.dryRun, workflows: kubernetes.workflows }) : undefined;
  // DRY_RUN writes nothing, dead letters included: it says what it would keep.
  const deadLetters: DeadLetterRecorder = config.dryRun
    ? { record: async (letter) => logger.info({ deadLetter: letter.id, deliveryId: letter.deliveryId, outcome: letter.outcome }, 'DRY_RUN: the dead letter is not written') }
    : createSecretDeadLetterStore({ namespace: config.namespace });

  let draining = false;
  const app = createApp({
    functionName: declaration.name,
    authenticate: createAuthenticate({
      ...config,
      triggerTokenFile: config.triggerTokensFile
        ? watchTriggerTokenFile(config.triggerTokensFile, {
            onReload: ({ count, error }) =>
              error || count === 0
                ? logger.error({ file: config.triggerTokensFile, err: error?.message }, 'TRIGGER_TOKENS_FILE is unreadable or empty: no token from it is accepted')
                : logger.info({ file: config.triggerTokensFile, tokens: count }, 'TRIGGER_TOKENS_FILE read'),
          })
        : undefined,
    }),
    handle,
    redrive,
    sweep: redrive ? createSweepHandler({ declaration, workflows: kubernetes.workflows, redrive }) : undefined,
    deadLetters,
    bodyLimitBytes: config.bodyLimitBytes,
    retryAfterSeconds: config.retryAfterSeconds,
    logger,
    metrics,
    ready: () => !draining,
  });
  return { app, logger, drain: () => (draining = true) };
}
