/** Starts one function as a standalone HTTP server: `node dist/functions/<name>/index.js`. */
import { serve } from '@hono/node-server';
import { ConfigError, hasGitHubCredentials, loadConfig } from '../config';
import type { FunctionDeclaration } from '../declarations';
import { createGitHubClient } from '../github/octokit';
import { createHandler } from '../handler/handle-event';
import { createAuthenticate } from '../http/authenticate';
import { createApp } from '../http/create-app';
import { createKubernetesClients, recordedDedupKeys } from '../kubernetes/client';
import { createLogger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';

export function serveFunction(declaration: FunctionDeclaration): void {
  let config;
  try {
    config = loadConfig();
    if (declaration.remediation && !hasGitHubCredentials(config.github)) {
      throw new ConfigError(`${declaration.name} removes the ready-for-qa label, so it needs GITHUB_TOKEN or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY(_FILE)`);
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${declaration.name}: ${error.message}\n`);
    process.exit(1);
  }

  const logger = createLogger({ level: config.logLevel, function: declaration.name });
  const metrics = createMetrics({ defaultMetrics: true });
  const kubernetes = createKubernetesClients({
    namespace: config.namespace,
    onCall: ({ verb, resource, durationMs, error }) =>
      metrics.kubernetesRequests.observe({ verb, resource, result: error ? 'error' : 'ok' }, durationMs / 1000),
    onConflict: () => metrics.resumeConflicts.inc({ function: declaration.name }),
  });
  const pullRequests = declaration.remediation
    ? createGitHubClient({
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

  let shuttingDown = false;
  const app = createApp({
    functionName: declaration.name,
    authenticate: createAuthenticate(config),
    handle,
    bodyLimitBytes: config.bodyLimitBytes,
    retryAfterSeconds: config.retryAfterSeconds,
    logger,
    metrics,
    ready: () => !shuttingDown,
  });

  const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
    logger.info({ port: info.port, namespace: config.namespace, dryRun: config.dryRun }, 'listening');
  });

  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
