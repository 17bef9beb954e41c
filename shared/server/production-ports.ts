/** The production wiring, in one place: the real Kubernetes, GitHub and dead-letter clients, with metrics hooks. */
import { hasGitHubCredentials, type Config } from '../config';
import { callsGitHub, stepOf, type FunctionDeclaration } from '../function-declaration';
import { createSecretDeadLetterStore, type DeadLetterRecorder } from '../dead-letters/secret-store';
import type { createGitHubClient } from '../github/client';
import { createKubernetesClients } from '../kubernetes/client';
import { createLogger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';
import type { FunctionPorts } from './build-function-app';

export interface ProductionPortsOptions {
  /**
   * The GitHub client, for the functions that call GitHub only (a `remove-label` step; `readsLabelsLive`).
   * Passed in by their entry points so the other functions' bundles do not carry Octokit.
   */
  readonly createGitHubClient?: typeof createGitHubClient;
}

export function productionPorts(declaration: FunctionDeclaration, config: Config, options: ProductionPortsOptions = {}): FunctionPorts {
  const logger = createLogger({ level: config.logLevel, function: declaration.name });
  const metrics = createMetrics({ defaultMetrics: true });
  const kubernetes = createKubernetesClients({
    namespace: config.namespace,
    onCall: ({ verb, resource, durationMs, error }) =>
      metrics.kubernetesRequests.observe({ verb, resource, result: error ? 'error' : 'ok' }, durationMs / 1000),
    onConflict: () => metrics.resumeConflicts.inc({ function: declaration.name }),
  });
  // pr-opened without GitHub credentials still serves; it then relies on the task label's `labeled` event.
  const github = callsGitHub(declaration);
  const withGitHub = github.required || (github.optional && hasGitHubCredentials(config.github));
  if (withGitHub && !options.createGitHubClient) {
    throw new Error(`${declaration.name} calls GitHub: pass createGitHubClient (functions/${declaration.name}/index.ts does)`);
  }
  if (github.optional && !withGitHub) {
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

  // DRY_RUN writes nothing, dead letters included: it says what it would keep.
  const deadLetters: DeadLetterRecorder = config.dryRun
    ? { record: async (letter) => logger.info({ deadLetter: letter.id, deliveryId: letter.deliveryId, outcome: letter.outcome }, 'DRY_RUN: the dead letter is not written') }
    : createSecretDeadLetterStore({ namespace: config.namespace });

  return {
    workflows: kubernetes.workflows,
    codeRuns: stepOf(declaration, 'cancel-coderuns') ? kubernetes.codeRuns : undefined,
    pullRequests,
    deadLetters,
    logger,
    metrics,
  };
}
