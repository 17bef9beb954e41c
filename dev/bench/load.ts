/** A bounded closed-loop load generator on loopback: N workers, each POSTing back to back until time or count runs out. */
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

  async function worker() {
    while (performance.now() < deadline && next < options.maxRequests) {
      const i = next++;
      const sent = performance.now();
      try {
        const response = await fetch(options.url, { method: 'POST', body: options.body(i), headers: options.headers });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (!options.expect.includes(response.status)) failures += 1;
      } catch {
        failures += 1;
      }
      latenciesMs.push(performance.now() - sent);
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - started;
  return { requests: latenciesMs.length, failures, statuses, perSecond: (latenciesMs.length / elapsed) * 1000, latenciesMs };
}
