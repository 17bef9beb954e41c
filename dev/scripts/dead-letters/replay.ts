/**
 * Replays one dead letter through the path the Sensor uses: the stored request, as it was sent, POSTed to the
 * function's route with a bearer token. The request keeps its X-GitHub-Delivery, so an event that was applied
 * meanwhile answers `duplicate` (or `already-done`) and nothing happens twice.
 */
import type { DeadLetter } from '../../../shared/dead-letters/dead-letter';
import { isPermanent, isSettled, OUTCOME_STATUS, type Outcome } from '../../../shared/contract';

export type ReplayVerdict =
  /** Applied now, or nothing left to do: the dead letter can go. */
  | 'settled'
  /** Refused again for good: the function kept it again (with this answer). */
  | 'refused'
  /** Not now (503, 5xx, 401, unreachable): try later. */
  | 'failed'
  /** The request was not kept (over the size cap): redeliver it from GitHub. */
  | 'not-kept';

export interface ReplayResult {
  readonly verdict: ReplayVerdict;
  readonly status?: number;
  readonly outcome?: string;
  readonly reason?: string;
}

export interface ReplayTarget {
  /** The function's base URL, e.g. http://approved.argo.svc.cluster.local */
  readonly url: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export async function replayDeadLetter(letter: DeadLetter, target: ReplayTarget): Promise<ReplayResult> {
  if (letter.request === undefined) {
    const redeliver = letter.deliveryId ? `redeliver ${letter.deliveryId} from the webhook's Recent Deliveries on GitHub` : 'it had no delivery ID';
    return { verdict: 'not-kept', reason: `the request (${letter.requestBytes} bytes) was not kept: ${redeliver}` };
  }
  const url = `${target.url.replace(/\/$/, '')}${letter.route === '/' ? '/' : letter.route}`;
  let response: Response;
  try {
    response = await (target.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${target.token}` },
      body: letter.request,
      signal: AbortSignal.timeout(target.timeoutMs ?? 90_000),
    });
  } catch (error) {
    return { verdict: 'failed', reason: `${url}: ${(error as Error).message}` };
  }
  const text = await response.text();
  let body: { outcome?: string; reason?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { verdict: 'failed', status: response.status, reason: `not a function's answer: ${text.slice(0, 200)}` };
  }
  const outcome = body.outcome && body.outcome in OUTCOME_STATUS ? (body.outcome as Outcome) : undefined;
  // Only the function's own answer, with the status it gives that outcome, decides.
  const verdict: ReplayVerdict = outcome && OUTCOME_STATUS[outcome] === response.status ? (isSettled(outcome) ? 'settled' : isPermanent(outcome) ? 'refused' : 'failed') : 'failed';
  return { verdict, status: response.status, outcome: body.outcome, reason: body.reason };
}
