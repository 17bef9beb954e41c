/** The stable `outcome` values and the status code each one sends to the Sensor. */

export const OUTCOME_STATUS = {
  resumed: 200,
  remediated: 200,
  ignored: 200,
  duplicate: 200,
  'already-done': 200,
  parked: 200,
  /** The Sensor's last call (its dead-letter trigger): the event did not apply and is kept in the dead-letter store. */
  'dead-lettered': 200,
  /** The periodic sweep of parked events ran (POST /parked/sweep); `steps` has each re-drive's outcome. */
  swept: 200,
  'bad-request': 400,
  unauthorized: 401,
  'no-workflow': 404,
  ambiguous: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  mismatch: 422,
  'internal-error': 500,
  unsupported: 501,
  'not-ready': 503,
} as const;

export type Outcome = keyof typeof OUTCOME_STATUS;

/** The JSON body of every response to POST /. */
export interface EventResponse {
  readonly outcome: Outcome;
  readonly function: string;
  readonly reason?: string;
  readonly deliveryId?: string;
  readonly event?: string;
  readonly action?: string;
  readonly task?: string;
  readonly workflow?: string;
  readonly dryRun?: boolean;
  /** rex-push: what each remediation step did. */
  readonly steps?: Readonly<Record<string, unknown>>;
  /** DRY_RUN: the writes that would have been made. */
  readonly planned?: Readonly<Record<string, unknown>>;
  /** The dead letter this answer was recorded as (docs/operations.md, "Dead letters"). */
  readonly deadLetter?: string;
  /** With `dead-lettered`: the outcome of the last attempt, which the dead letter keeps. */
  readonly lastOutcome?: Outcome;
}

/** Whether a response answers 503 and so carries Retry-After. */
export function isRetryable(outcome: Outcome): boolean {
  return OUTCOME_STATUS[outcome] === 503;
}

/**
 * Answers no retry can change: the Sensor's policy accepts them (manifests/function-sensor.ts), so they end the
 * attempt at once and hold up no other event, and the function keeps the event as a dead letter first.
 * 401 is not among them (a token an operator fixes), nor 500 (a bug may be transient), nor 503.
 */
export const PERMANENT_OUTCOMES = ['bad-request', 'no-workflow', 'ambiguous', 'payload-too-large', 'unsupported-media-type', 'mismatch', 'unsupported'] as const satisfies readonly Outcome[];

export function isPermanent(outcome: Outcome): boolean {
  return (PERMANENT_OUTCOMES as readonly Outcome[]).includes(outcome);
}

/** Whether the event is done with: applied, or nothing to do. */
export function isSettled(outcome: Outcome): boolean {
  return OUTCOME_STATUS[outcome] === 200;
}
