/**
 * A dead letter: an event a function could not apply, kept in the cluster as one Secret so an operator can
 * list, inspect, replay and drop it (docs/operations.md, "Dead letters"). A Secret rather than a ConfigMap:
 * the payload is the GitHub event of a possibly private repository (titles, bodies, logins), and read access
 * to Secrets is granted far more narrowly than to ConfigMaps (the built-in `view` role reads ConfigMaps, not
 * Secrets); Secrets can also be encrypted at rest.
 */
import { createHash } from 'node:crypto';
import { DEAD_LETTER_LABEL, DEAD_LETTER_NAME_PREFIX, DEAD_LETTER_SECRET_TYPE, FUNCTION_LABEL } from '../contract';




/**
 * The stored request is cut off above this many bytes: a Secret's data may hold 1 MiB in all (apiserver
 * validation, MaxSecretSize), and the Argo Events bus carries at most 1 MB per event anyway. An event over it
 * is kept without its request (`requestBytes` says how big it was): replay it from GitHub's delivery log.
 */
export const REQUEST_LIMIT_BYTES = 768 * 1024;

/** A reason is cut off above this many characters. */
const REASON_LIMIT = 4096;

export interface DeadLetter {
  /** The object name; also what the CLI calls the dead letter's ID. */
  readonly id: string;
  readonly function: string;
  /** X-GitHub-Delivery when the event had one; replayed with it, so an applied event answers `duplicate`. */
  readonly deliveryId?: string;
  /** The function route the request was sent to: `/` (an event) or `/parked` (a re-drive). */
  readonly route: string;
  /** The last answer: its status, outcome and reason. */
  readonly status: number;
  readonly outcome: string;
  readonly reason: string;
  /** ISO time the dead letter was (last) written. */
  readonly deadLetteredAt: string;
  /** The exact JSON the Sensor sent, absent when it was over REQUEST_LIMIT_BYTES (or not read, 413). */
  readonly request?: string;
  readonly requestBytes: number;
}

export interface NewDeadLetter extends Omit<DeadLetter, 'id' | 'request' | 'requestBytes' | 'deadLetteredAt'> {
  /** What identifies the event for this function: its delivery ID, `parked:<workflow>` for a re-drive, or a fresh UUID. */
  readonly key: string;
  readonly request?: string;
  readonly at: Date;
}

export function deadLetterName(functionName: string, key: string): string {
  return `${DEAD_LETTER_NAME_PREFIX}${functionName}-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

/** The dead letter as it is stored: the request kept only when it fits. */
export function toDeadLetter(letter: NewDeadLetter): DeadLetter {
  const requestBytes = letter.request === undefined ? 0 : Buffer.byteLength(letter.request, 'utf8');
  return {
    id: deadLetterName(letter.function, letter.key),
    function: letter.function,
    deliveryId: letter.deliveryId,
    route: letter.route,
    status: letter.status,
    outcome: letter.outcome,
    reason: letter.reason.length > REASON_LIMIT ? `${letter.reason.slice(0, REASON_LIMIT)}…` : letter.reason,
    deadLetteredAt: letter.at.toISOString(),
    request: requestBytes > 0 && requestBytes <= REQUEST_LIMIT_BYTES ? letter.request : undefined,
    requestBytes,
  };
}

export interface DeadLetterSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  type: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: Date; resourceVersion?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The Secret holding `letter`; every value of webhook origin is in `stringData`, never in a name or label. */
export function toSecret(letter: DeadLetter, namespace: string): DeadLetterSecret {
  const stringData: Record<string, string> = {
    function: letter.function,
    route: letter.route,
    status: String(letter.status),
    outcome: letter.outcome,
    reason: letter.reason,
    deadLetteredAt: letter.deadLetteredAt,
    requestBytes: String(letter.requestBytes),
  };
  if (letter.deliveryId !== undefined) stringData.deliveryId = letter.deliveryId;
  if (letter.request !== undefined) stringData.request = letter.request;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: DEAD_LETTER_SECRET_TYPE,
    metadata: {
      name: letter.id,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'handoff', [DEAD_LETTER_LABEL]: 'true', [FUNCTION_LABEL]: letter.function },
    },
    stringData,
  };
}

/** Reads a stored dead letter back (the apiserver returns `data`, base64). */
export function fromSecret(secret: DeadLetterSecret): DeadLetter {
  const data = secret.data ?? {};
  const text = (key: string) => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  return {
    id: secret.metadata.name,
    function: text('function') ?? secret.metadata.labels?.[FUNCTION_LABEL] ?? '',
    deliveryId: text('deliveryId'),
    route: text('route') ?? '/',
    status: Number(text('status') ?? 0),
    outcome: text('outcome') ?? '',
    reason: text('reason') ?? '',
    deadLetteredAt: text('deadLetteredAt') ?? new Date(secret.metadata.creationTimestamp ?? 0).toISOString(),
    request: text('request'),
    requestBytes: Number(text('requestBytes') ?? 0),
  };
}
