/** Classifies @kubernetes/client-node failures: HTTP status where the API answered, else a transport error. */
import { KubernetesUnavailableError } from './types';

/** The HTTP status of an ApiException, or undefined for transport errors. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Connection failures, timeouts, 429 and 5xx: the API may answer later. Anything else is rethrown as is. */
export function asUnavailable(error: unknown, what: string): unknown {
  const status = statusOf(error);
  if (status === undefined || status === 429 || status >= 500) {
    const detail = status === undefined ? ((error as Error)?.message ?? String(error)) : `HTTP ${status}`;
    return new KubernetesUnavailableError(`${what}: ${detail}`);
  }
  return error;
}
