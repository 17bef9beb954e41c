/**
 * The Octokit we use: @octokit/rest with plugin-retry (5xx, network errors, timeouts)
 * and plugin-throttling (primary and secondary rate limits), plus a per-attempt timeout.
 */
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

export const GitHubOctokit = Octokit.plugin(retry, throttling);
export type GitHubOctokit = InstanceType<typeof GitHubOctokit>;
export type GitHubOctokitOptions = NonNullable<ConstructorParameters<typeof GitHubOctokit>[0]>;

/** A pino-like logger; pino's `Logger` fits. */
export interface GitHubLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Runs one GitHub call and reports it to the metrics hook. */
export type Timed = <T>(route: string, call: () => Promise<T>, statusOf?: (value: T) => number | undefined) => Promise<T>;

export const silentLog: GitHubLog = { debug() {}, info() {}, warn() {} };

export interface OctokitSettings {
  readonly baseUrl: string;
  readonly log: GitHubLog;
  /** plugin-retry: retries of a 5xx, network error or timeout. */
  readonly retries: number;
  /** Retries honouring `retry-after` on a secondary rate limit. */
  readonly secondaryRateLimitRetries: number;
  /** Longest rate-limit wait (seconds) spent in process; longer waits fail with GitHubUnavailableError. */
  readonly maxRateLimitWaitSeconds: number;
  /** Wait assumed for a secondary limit without `retry-after` (GitHub: at least one minute). */
  readonly fallbackSecondaryRetryAfterSeconds: number;
  /** Milliseconds per second of every retry wait (both plugins); tests shrink it. */
  readonly delayUnitMs: number;
  /** Abort one HTTP attempt after this long (retried like a 5xx). */
  readonly requestTimeoutMs: number;
  /** plugin-throttling's limiter key; clients with the same key share concurrency and write spacing. */
  readonly throttleId: string;
}

/** Each attempt gets its own deadline; an attempt that passes it fails like a network error and is retried. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    // Read globalThis.fetch per call so test interceptors installed later still apply.
    return globalThis.fetch(input, { ...init, signal });
  };
}

/** Octokit's own log lines (one per attempt) go to debug; its warnings stay warnings. */
function octokitLog(log: GitHubLog) {
  const component = { component: 'octokit' };
  return {
    debug: (message: string) => log.debug(component, message),
    info: (message: string) => log.debug(component, message),
    warn: (message: string) => log.warn(component, message),
    error: (message: string) => log.info(component, message),
  };
}

/** Options for a GitHubOctokit, without `auth`/`authStrategy`. */
export function octokitOptions(settings: OctokitSettings): GitHubOctokitOptions {
  const { log } = settings;
  return {
    baseUrl: settings.baseUrl,
    userAgent: 'handoff',
    log: octokitLog(log),
    request: { fetch: fetchWithTimeout(settings.requestTimeoutMs) },
    retry: {
      retries: settings.retries,
      retryAfterBaseValue: settings.delayUnitMs,
      // plugin-retry's default list plus 429: rate limits are plugin-throttling's job, which honours retry-after.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      id: settings.throttleId,
      retryAfterBaseValue: settings.delayUnitMs,
      fallbackSecondaryRateRetryAfter: settings.fallbackSecondaryRetryAfterSeconds,
      onSecondaryRateLimit: (retryAfter, options, _octokit, retryCount) => {
        const willRetry = retryAfter <= settings.maxRateLimitWaitSeconds && retryCount < settings.secondaryRateLimitRetries;
        log.warn(
          { route: `${options.method} ${options.url}`, retryAfterSeconds: retryAfter, retryCount, willRetry },
          'GitHub secondary rate limit',
        );
        return willRetry;
      },
      onRateLimit: (retryAfter, options, _octokit, retryCount) => {
        // Wait for the reset once, and only when it is near; otherwise answer 503 with Retry-After.
        const willRetry = retryAfter <= settings.maxRateLimitWaitSeconds && retryCount < 1;
        log.warn(
          { route: `${options.method} ${options.url}`, retryAfterSeconds: retryAfter, retryCount, willRetry },
          'GitHub primary rate limit exhausted',
        );
        return willRetry;
      },
    },
  };
}
