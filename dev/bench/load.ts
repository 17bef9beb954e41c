/**
 * Loopback HTTP clients for the benchmarks, on node:http with kept-alive connections: the cheapest client Node has,
 * so the measuring process adds as little as it can to what it measures (undici's fetch cost about 0.7 ms per
 * request, more than Handoff's resume). `runLoad` is a bounded closed-loop load generator: N workers, each POSTing
 * back to back until time or count runs out.
 */
import { Agent, request } from 'node:http';

export interface KeepAliveClient {
  /** POSTs `body` to `url` (loopback only) and resolves with the status and the answer's text. */
  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<{ status: number; text: string }>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** Throws unless `url` is on loopback: the benchmarks load only this machine. */
export function assertLoopback(url: string): void {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) throw new Error(`benchmarks only POST to loopback, not ${url}`);
}

export function keepAliveClient(maxSockets = 1): KeepAliveClient {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post: (url, body, headers) => {
      return new Promise((resolve, reject) => {
        assertLoopback(url);
        const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject).on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject).end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

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
  // Up front, so a wrong URL is one clear error rather than every request counted as a failure.
  assertLoopback(options.url);
  const latenciesMs: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  let failures = 0;
  const client = keepAliveClient(options.concurrency);
  const started = performance.now();
  const deadline = started + options.durationMs;

  async function worker() {
    while (performance.now() < deadline && next < options.maxRequests) {
      const i = next++;
      const sent = performance.now();
      try {
        const { status } = await client.post(options.url, options.body(i), options.headers);
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
  client.close();
  return { requests: latenciesMs.length, failures, statuses, perSecond: (latenciesMs.length / elapsed) * 1000, latenciesMs };
}
