// Signs and delivers a GitHub webhook the way GitHub does (X-Hub-Signature-256 = HMAC-SHA256 of
// the raw body), like Prow's phony and `probot receive`.
import { createHmac, randomUUID } from 'node:crypto';

export function signature256(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DeliveryOptions {
  url: string;
  event: string;
  payload: unknown;
  secret: string;
  /** Override the signature (tests of rejection). */
  signature?: string;
  delivery?: string;
  /** Give up after this long, as GitHub does after 10 s (its delivery log then lists it as failed). */
  timeoutMs?: number;
}

export interface DeliveryResult {
  status: number;
  body: string;
  delivery: string;
}

export async function deliverWebhook(options: DeliveryOptions): Promise<DeliveryResult> {
  const body = JSON.stringify(options.payload);
  const delivery = options.delivery ?? randomUUID();
  const response = await fetch(options.url, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/handoff-local',
      'X-GitHub-Event': options.event,
      'X-GitHub-Delivery': delivery,
      'X-GitHub-Hook-ID': '1',
      'X-Hub-Signature-256': options.signature ?? signature256(options.secret, body),
    },
    signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
  });
  return { status: response.status, body: await response.text(), delivery };
}
