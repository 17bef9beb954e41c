/** The body of POST /parked, which the function's Sensor sends when a play workflow changed: `{"workflow": "<name>"}`. */
import * as z from 'zod';
import type { Caller } from '../contract';
import { EventError } from '../handler/event-error';



/** A Kubernetes object name (DNS-1123 subdomain). */
const redriveBody = z.object({ workflow: z.string().max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name') });

export function readRedrive(caller: Caller, rawBody: string): string {
  if (caller === 'github') throw new EventError('bad-request', 'POST /parked is called by the Sensor with its bearer token, not by a GitHub delivery');
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new EventError('bad-request', 'the body is not JSON');
  }
  const parsed = redriveBody.safeParse(json);
  if (!parsed.success) throw new EventError('bad-request', `expected {"workflow": "<name>"}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`);
  return parsed.data.workflow;
}
