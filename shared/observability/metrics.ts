/** Prometheus metrics of one function process (prom-client, own registry). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly events: Counter<'function' | 'outcome'>;
  readonly correlationFailures: Counter<'function' | 'reason'>;
  readonly kubernetesRequests: Histogram<'verb' | 'resource' | 'result'>;
  readonly githubRequests: Histogram<'route' | 'result'>;
  readonly resumeConflicts: Counter<'function'>;
  readonly deadLetters: Counter<'function' | 'outcome'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    events: new Counter({
      name: 'handoff_events_total',
      help: 'Events handled, by function and outcome.',
      labelNames: ['function', 'outcome'],
      registers,
    }),
    correlationFailures: new Counter({
      name: 'handoff_correlation_failures_total',
      help: 'Events that could not be correlated to exactly one workflow, by reason.',
      labelNames: ['function', 'reason'],
      registers,
    }),
    kubernetesRequests: new Histogram({
      name: 'handoff_kubernetes_request_duration_seconds',
      help: 'Kubernetes API calls, by verb, resource and result (ok or error).',
      labelNames: ['verb', 'resource', 'result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    githubRequests: new Histogram({
      name: 'handoff_github_request_duration_seconds',
      help: 'GitHub API calls, by route and result (ok or error).',
      labelNames: ['route', 'result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    resumeConflicts: new Counter({
      name: 'handoff_resume_conflicts_total',
      help: 'Resume writes that hit a 409 conflict and were retried from the GET.',
      labelNames: ['function'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'handoff_dead_letters_total',
      help: 'Events kept as dead letters (not applied), by function and the outcome of their last attempt.',
      labelNames: ['function', 'outcome'],
      registers,
    }),
  };
}
