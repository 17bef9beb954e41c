/** The one place that turns a thrown error into an outcome and an actionable reason. */
import { GitHubRequestError, GitHubUnavailableError } from '../github/types';
import { AmbiguousNodeError, KubernetesUnavailableError, OffloadedNodeStatusError } from '../kubernetes/types';
import { EventError } from '../handler/event-error';
import type { Outcome } from '../contract';

export interface ErrorOutcome {
  readonly outcome: Outcome;
  readonly reason: string;
  /** Seconds to put in Retry-After, when the error says. */
  readonly retryAfterSeconds?: number;
}

export function errorOutcome(error: unknown): ErrorOutcome {
  if (error instanceof EventError) return { outcome: error.outcome, reason: error.message };
  if (error instanceof KubernetesUnavailableError) {
    return { outcome: 'not-ready', reason: `Kubernetes API unavailable: ${error.message}` };
  }
  if (error instanceof GitHubUnavailableError) {
    return { outcome: 'not-ready', reason: `GitHub API unavailable: ${error.message}`, retryAfterSeconds: error.retryAfterSeconds };
  }
  if (error instanceof GitHubRequestError) {
    // Credentials, permissions or the App installation: an operator can fix it, and the Sensor's retry or DLQ keeps the event.
    return { outcome: 'not-ready', reason: `GitHub refused the call (${error.status}): ${error.message}; check the token or App installation and permissions` };
  }
  if (error instanceof OffloadedNodeStatusError) {
    return { outcome: 'unsupported', reason: `${error.message}; resume it with an Argo Server that has node-status offloading configured` };
  }
  if (error instanceof AmbiguousNodeError) return { outcome: 'ambiguous', reason: error.message };
  return { outcome: 'internal-error', reason: 'internal error; see the function log for this delivery' };
}
