/**
 * The contract: every name, key, route and status that two sides must agree on (the functions at run
 * time, the manifest generator, the local stack, the CLI and the tests). It imports nothing; everything
 * else imports it. The function declarations (shared/declarations.ts) are the other half.
 */

// ---- Routes a function serves (the Sensors' triggers call them; manifests/function-sensor.ts) ----

/** The route the function's Sensor calls to re-drive a parked event. */
export const REDRIVE_ROUTE = '/parked';

/** The route the parked-sweep calendar EventSource's trigger calls: re-drive every waiting play with a parked event. */
export const SWEEP_ROUTE = '/parked/sweep';

/**
 * The Sensor's last call for an event its retries could not apply (its `dlqTrigger`, manifests/function-sensor.ts):
 * the same request to the same route with `/dead-letter` appended. The function tries the event once more and,
 * if it still does not apply, keeps it as a dead letter and answers 200 `dead-lettered`.
 */
export const DEAD_LETTER_SUFFIX = '/dead-letter';

/** `/` → `/dead-letter`, `/parked` → `/parked/dead-letter`. */
export const deadLetterRoute = (route: string): string => (route === '/' ? DEAD_LETTER_SUFFIX : `${route}${DEAD_LETTER_SUFFIX}`);

/** How a call to a function was authenticated (the Sensor's bearer token or GitHub's signature), which also fixes the request shape. */
export type Caller = 'sensor' | 'github' | 'unauthenticated';

// ---- Labels every play Workflow carries (the play template writes them; the functions, the local stack and the CLI select by them) ----

/** Keys (and the `workflow-type` value) of the labels on every play Workflow; `stage` holds a Stage (shared/play.ts). */
export const WORKFLOW_LABELS = {
  type: 'workflow-type',
  typeValue: 'play-orchestration',
  taskId: 'task-id',
  repository: 'repository',
  stage: 'current-stage',
} as const;

// ---- Annotations the functions write on a play Workflow (the write policy allows these and no other) ----

/** Holds the bounded JSON list of dedup keys (delivery IDs, push SHAs) this workflow has applied. */
export const DEDUP_ANNOTATION = 'handoff.dev/applied-events';

/**
 * Events that arrived early, by function: `{"pr-opened": {"keys": [...], "at": "..."}}`. Written by
 * the parking write, removed by the write that resumes them (or by rex-push's reset).
 */
export const PARKED_ANNOTATION = 'handoff.dev/parked-events';

/**
 * rex-push's cancellations in flight, by push (`sha:<after>`): `{"sha:…": {"at": "…", "codeRuns": [{"name", "uid"}]}}`.
 * Written by the attempt that decides to cancel running QA CodeRuns, before it deletes them; read by every
 * redelivery of that push, which deletes only these (never a CodeRun the restarted QA created since);
 * removed by the write that completes the push (plan-remediation.ts, plan-resume.ts).
 */
export const REMEDIATIONS_ANNOTATION = 'handoff.dev/remediations';

/** When Handoff last moved the stage label. */
export const UPDATED_AT_ANNOTATION = 'updated-at';

/**
 * Every annotation a function writes on a Workflow (plan-resume.ts). The write policy
 * (manifests/function-write-policy.ts) lets the functions change these and no other.
 */
export const FUNCTION_ANNOTATIONS = [DEDUP_ANNOTATION, PARKED_ANNOTATION, UPDATED_AT_ANNOTATION, REMEDIATIONS_ANNOTATION] as const;

// ---- Dead letters: one Secret each (shared/dead-letters/; the dead-letter write policy names these) ----

/** The Secret `type` of every dead letter (a Secret's type is immutable, so it marks the object for good). */
export const DEAD_LETTER_SECRET_TYPE = 'handoff.dev/dead-letter';

/** Every dead letter carries this label (value `true`); the function label says whose it is. */
export const DEAD_LETTER_LABEL = 'handoff.dev/dead-letter';
export const FUNCTION_LABEL = 'handoff.dev/function';

/** Object names start with this, then `<function>-<20 hex of the key's SHA-256>`. */
export const DEAD_LETTER_NAME_PREFIX = 'handoff-dl-';

// ---- Label values built from event text (shared/labels/label-value.ts, and its sh twin in manifests/) ----

/** k8s.io/apimachinery pkg/util/validation/validation.go@v0.34.4: `LabelValueMaxLength`. */
export const LABEL_VALUE_MAX_LENGTH = 63;

/** Readable part kept from the text before the hash: 63 - '-' - 10 hex. */
export const LABEL_READABLE_LENGTH = 52;
export const LABEL_HASH_LENGTH = 10;

// ---- Outcomes: the stable `outcome` values and the status code each one sends to the Sensor ----

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
