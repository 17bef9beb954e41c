/** Turns the raw request into one GitHub event, for both request shapes. */
import * as z from 'zod';
import type { Caller } from '../contract';
import type { IncomingEvent } from '../handler/handle-event';
import { EventError } from '../handler/event-error';

/** What an Argo Events HTTP trigger sends: `dataKey: headers` and `dataKey: body`, both with useRawData. */
const SensorEnvelope = z.object({
  headers: z.record(z.string(), z.union([z.array(z.string()), z.string()])),
  body: z.record(z.string(), z.unknown()),
});

const EVENT_NAME = /^[a-z_]{1,64}$/;
const DELIVERY_ID = /^[A-Za-z0-9-]{1,128}$/;

export function readEvent(caller: Caller, headers: Headers, rawBody: string): IncomingEvent {
  const contentType = headers.get('content-type');
  if (contentType !== null && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType.trim())) {
    throw new EventError('unsupported-media-type', `Content-Type ${contentType} is not JSON; configure the webhook or trigger to send application/json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch (error) {
    throw new EventError('bad-request', `malformed JSON: ${(error as Error).message}`);
  }

  const direct = caller === 'github' || (caller === 'unauthenticated' && headers.has('x-github-event'));
  return direct ? fromDirectDelivery(caller, headers, json) : fromSensorEnvelope(caller, json);
}

function fromDirectDelivery(caller: Caller, headers: Headers, json: unknown): IncomingEvent {
  if (!isObject(json)) throw new EventError('bad-request', 'the webhook payload is not a JSON object');
  return checked(caller, headers.get('x-github-event') ?? undefined, headers.get('x-github-delivery') ?? undefined, json);
}

function fromSensorEnvelope(caller: Caller, json: unknown): IncomingEvent {
  const envelope = SensorEnvelope.safeParse(json);
  if (!envelope.success) {
    throw new EventError(
      'bad-request',
      'the body is not a Sensor envelope {"headers": {...}, "body": {...}}; use payload dataKey headers and body with useRawData: true',
    );
  }
  const { headers, body } = envelope.data;
  const name = agree('X-GitHub-Event', header(headers, 'x-github-event'), stringAt(body, 'X-GitHub-Event'));
  const deliveryId = agree('X-GitHub-Delivery', header(headers, 'x-github-delivery'), stringAt(body, 'X-GitHub-Delivery'));
  return checked(caller, name, deliveryId, body);
}

/** The delivery ID of a request that could not be read as an event (for its dead letter), when one is there. */
export function deliveryIdIn(headers: Headers, rawBody: string): string | undefined {
  let found = headers.get('x-github-delivery') ?? undefined;
  if (found === undefined) {
    try {
      const envelope = JSON.parse(rawBody) as { headers?: Record<string, string[] | string>; body?: Record<string, unknown> };
      found = (isObject(envelope?.headers) ? header(envelope.headers, 'x-github-delivery') : undefined) ?? (isObject(envelope?.body) ? stringAt(envelope.body, 'X-GitHub-Delivery') : undefined);
    } catch {
      return undefined;
    }
  }
  return typeof found === 'string' && DELIVERY_ID.test(found) ? found : undefined;
}

function checked(caller: Caller, name: string | undefined, deliveryId: string | undefined, payload: Record<string, unknown>): IncomingEvent {
  if (!name) throw new EventError('bad-request', 'missing X-GitHub-Event');
  if (!EVENT_NAME.test(name)) throw new EventError('bad-request', `X-GitHub-Event "${name}" is not an event name`);
  if (!deliveryId) throw new EventError('bad-request', 'missing X-GitHub-Delivery, which deduplicates redeliveries');
  if (!DELIVERY_ID.test(deliveryId)) throw new EventError('bad-request', `X-GitHub-Delivery "${deliveryId}" is not a delivery ID`);
  return { name, deliveryId, payload, caller };
}

/** Go-canonical header names (`X-Github-Event`) with array values; matched case-insensitively. */
function header(headers: Record<string, string[] | string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function stringAt(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

function agree(what: string, fromHeaders: string | undefined, fromBody: string | undefined): string | undefined {
  if (fromHeaders !== undefined && fromBody !== undefined && fromHeaders !== fromBody) {
    throw new EventError('bad-request', `${what} differs between headers (${fromHeaders}) and body (${fromBody})`);
  }
  return fromHeaders ?? fromBody;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
