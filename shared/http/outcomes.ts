/** The stable `outcome` values and the status code each one sends to the Sensor. */

export const OUTCOME_STATUS = {
  resumed: 200,
  remediated: 200,
  ignored: 200,
  duplicate: 200,
  'already-done': 200,
  parked: 200,
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
}

/** Whether a response answers 503 and so carries Retry-After. */
export function isRetryable(outcome: Outcome): boolean {
  return OUTCOME_STATUS[outcome] === 503;
}
