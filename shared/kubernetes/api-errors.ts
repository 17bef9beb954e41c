/** Classifies @kubernetes/client-node failures: HTTP status where the API answered, else a transport error. */
import { KubernetesUnavailableError } from './types';

/** The HTTP status of an ApiException, or undefined for transport errors. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The apiserver's own explanation (the Status body's `message`), when the error carries one. */
export function apiMessageOf(error: unknown): string | undefined {
  const body = (error as { body?: unknown })?.body;
  try {
    const parsed = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
    const message = (parsed as { message?: unknown } | undefined)?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connection failures, timeouts, 429 and 5xx: the API may answer later. 401 and 403 too: the function's
 * ServiceAccount, its RBAC or the write policy refused the call, which an operator can fix (as a GitHub
 * refusal), and an apiserver that has just started refuses until its RBAC cache is synced. The Sensor
 * retries, then dead-letters; the reason carries the apiserver's message. Anything else is rethrown as is.
 */
export function asUnavailable(error: unknown, what: string): unknown {
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    const message = apiMessageOf(error);
    return new KubernetesUnavailableError(`${what}: HTTP ${status}${message ? ` (${message})` : ''}; check the function's ServiceAccount, RBAC and write policy (docs/operations.md, "Who can write what")`);
  }
  if (status === undefined || status === 429 || status >= 500) {
    const detail = status === undefined ? ((error as Error)?.message ?? String(error)) : `HTTP ${status}`;
    return new KubernetesUnavailableError(`${what}: ${detail}`);
  }
  return error;
}
