/**
 * Builds one function's app from its declaration, its configuration and the ports it talks through. Creates no
 * client and does no I/O but the trigger-token file's watch: production passes productionPorts() (one place),
 * tests and benchmarks pass fakes (Probot style: one options object).
 */
import type { Hono } from 'hono';
import type { Config } from '../config';
import type { FunctionDeclaration } from '../function-declaration';
import type { DeadLetterRecorder } from '../dead-letters/secret-store';
import type { PullRequests } from '../github/types';
import { createHandler } from '../handler/handle-event';
import { createRedriveHandler, createSweepHandler } from '../handler/redrive';
import { createAuthenticate } from '../http/authenticate';
import { createApp } from '../http/create-app';
import { watchTriggerTokenFile } from '../http/trigger-token-file';
import type { CodeRuns, PlayWorkflows, WorkflowSummary } from '../kubernetes/types';
import { recordedKeysOf } from '../kubernetes/workflow';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';

/** What a function talks to. Only the clients its declared steps need are required (createHandler checks). */
export interface FunctionPorts {
  readonly workflows: PlayWorkflows;
  /** A `cancel-coderuns` step needs it. */
  readonly codeRuns?: CodeRuns;
  /** A `remove-label` step needs it; with `readsLabelsLive` it is optional (without it, no live read). */
  readonly pullRequests?: PullRequests;
  readonly deadLetters: DeadLetterRecorder;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The dedup keys a workflow has recorded; default: its annotation. */
  readonly recordedKeys?: (workflow: WorkflowSummary) => readonly string[];
}

export interface FunctionApp {
  readonly app: Hono;
  readonly logger: Logger;
  /** Marks the function as shutting down: /readyz answers 503 from then on. */
  readonly drain: () => void;
}

export function buildFunctionApp(declaration: FunctionDeclaration, config: Config, ports: FunctionPorts): FunctionApp {
  const { logger, metrics, workflows } = ports;
  const handle = createHandler({
    declaration,
    logins: config.logins,
    correlation: config.correlation,
    dryRun: config.dryRun,
    workflows,
    codeRuns: ports.codeRuns,
    pullRequests: ports.pullRequests,
    recordedKeys: ports.recordedKeys ?? ((workflow) => recordedKeysOf(workflow.annotations)),
    onCorrelationFailure: (reason) => metrics.correlationFailures.inc({ function: declaration.name, reason }),
  });
  const redrive = declaration.parkFrom?.length ? createRedriveHandler({ declaration, dryRun: config.dryRun, workflows }) : undefined;

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
    sweep: redrive ? createSweepHandler({ declaration, workflows, redrive }) : undefined,
    deadLetters: ports.deadLetters,
    bodyLimitBytes: config.bodyLimitBytes,
    retryAfterSeconds: config.retryAfterSeconds,
    logger,
    metrics,
    ready: () => !draining,
  });
  return { app, logger, drain: () => (draining = true) };
}
