/**
 * A bounded closed-loop load generator on loopback: N workers, each POSTing back to back until time or count runs out,
 * on node:http with one kept-alive connection per worker: the cheapest client Node has, so the generator spends less
 * CPU per event than the function it loads (undici's fetch cost about 0.7 ms per event, more than Handoff's resume).
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  readonly url: string;
  /** The body of request number `i`. */
  readonly body: (i: number) => string;
  readonly headers: Record<string, string>;
  readonly concurrency: number;
  readonly durationMs: number;
  /** Hard cap on requests, so a run always stops. */
  readonly maxRequests: number;
  /** Status codes that count as success. */
  readonly expect: readonly number[];
}

export interface LoadResult {
  readonly requests: number;
  readonly failures: number;
  readonly statuses: Readonly<Record<number, number>>;
  readonly perSecond: number;
  readonly latenciesMs: readonly number[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`load only targets loopback, not ${url.hostname}`);
  const latenciesMs: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { ...options.headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
        response.on('error', reject).on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      });
      req.on('error', reject).end(body);
    });

  async function worker() {
    while (performance.now() < deadline && next < options.maxRequests) {
      const i = next++;
      const sent = performance.now();
      try {
        const status = await post(options.body(i));
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (!options.expect.includes(status)) failures += 1;
      } catch {
        failures += 1;
      }
      latenciesMs.push(performance.now() - sent);
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  return { requests: latenciesMs.length, failures, statuses, perSecond: (latenciesMs.length / elapsed) * 1000, latenciesMs };
}
