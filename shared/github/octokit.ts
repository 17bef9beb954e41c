/**
 * createGitHubClient: the production PullRequests, authenticated with a token or a
 * GitHub App, retrying 5xx and honouring rate limits within bounds; anything it cannot
 * finish in time surfaces as GitHubUnavailableError (503 with Retry-After upstream).
 */
import { isOctokitError } from './errors';
import { type GitHubLog, type OctokitSettings, octokitOptions, silentLog, type Timed } from './github-octokit';
import { restPullRequests } from './pull-requests';
import { appOctokits, type RepoOctokits, tokenOctokits } from './repo-octokits';
import type { PullRequests } from './types';

export type { GitHubLog } from './github-octokit';

export interface GitHubCallInfo {
  /** Route template, e.g. `DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}`. */
  readonly route: string;
  /** Final HTTP status, when GitHub answered. */
  readonly status?: number;
  /** Whole call, retries and rate-limit waits included. */
  readonly durationMs: number;
  /** Set when the call failed (a label-missing 404 on removeLabel is not a failure). */
  readonly error?: unknown;
}

export interface GitHubClientOptions {
  /** A personal or installation token (`GITHUB_TOKEN`). */
  readonly token?: string;
  /** A GitHub App (`GITHUB_APP_ID` + private key, PEM, PKCS#1 or PKCS#8). Wins over `token` when both are set. */
  readonly app?: { readonly appId: string; readonly privateKey: string };
  /** REST root (`GITHUB_API_URL`), e.g. `https://ghe.example.com/api/v3`. Default https://api.github.com. */
  readonly baseUrl?: string;
  readonly log?: GitHubLog;
  /** Called once per GitHub call (metrics hook). */
  readonly onCall?: (info: GitHubCallInfo) => void;
  /** Retries of a 5xx, network error or timed-out attempt (plugin-retry; waits 1 s, 4 s, 9 s…). Default 2. */
  readonly retries?: number;
  /** Retries honouring `retry-after` on a secondary rate limit. Default 2. */
  readonly secondaryRateLimitRetries?: number;
  /** Longest rate-limit wait spent in process, in seconds; longer ones fail fast with Retry-After. Default 10. */
  readonly maxRateLimitWaitSeconds?: number;
  /** Assumed wait for a secondary limit without `retry-after`. Default 60 (GitHub: "at least one minute"). */
  readonly fallbackSecondaryRetryAfterSeconds?: number;
  /** Deadline of one HTTP attempt, in milliseconds. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** Milliseconds per second of retry waits (both plugins). Default 1000; tests use a few ms. */
  readonly delayUnitMs?: number;
  /** plugin-throttling limiter key (clients sharing it share concurrency and write spacing). Default `handoff`. */
  readonly throttleId?: string;
}

function settingsFrom(options: GitHubClientOptions): OctokitSettings {
  return {
    baseUrl: (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    log: options.log ?? silentLog,
    retries: options.retries ?? 2,
    secondaryRateLimitRetries: options.secondaryRateLimitRetries ?? 2,
    maxRateLimitWaitSeconds: options.maxRateLimitWaitSeconds ?? 10,
    fallbackSecondaryRetryAfterSeconds: options.fallbackSecondaryRetryAfterSeconds ?? 60,
    delayUnitMs: options.delayUnitMs ?? 1000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    throttleId: options.throttleId ?? 'handoff',
  };
}

export function createGitHubClient(options: GitHubClientOptions): PullRequests {
  if (!options.token && !options.app) {
    // Never fall back to unauthenticated calls, as 5dlabs/cto's scripts did when minting a token failed.
    throw new Error('createGitHubClient needs a token (GITHUB_TOKEN) or a GitHub App (GITHUB_APP_ID and its private key); it never calls GitHub unauthenticated');
  }
  if (options.app && (!options.app.appId || !options.app.privateKey)) {
    throw new Error('createGitHubClient: a GitHub App needs both appId and privateKey');
  }
  const settings = settingsFrom(options);
  // A failing metrics hook must not fail the GitHub call.
  const onCall = (info: GitHubCallInfo) => {
    try {
      options.onCall?.(info);
    } catch (error) {
      settings.log.warn({ err: error }, 'GitHub onCall hook threw');
    }
  };

  const timed: Timed = async (route, call, statusOf) => {
    const started = performance.now();
    try {
      const value = await call();
      onCall({ route, status: statusOf?.(value), durationMs: performance.now() - started });
      return value;
    } catch (error) {
      onCall({ route, status: isOctokitError(error) ? error.status : undefined, durationMs: performance.now() - started, error });
      throw error;
    }
  };

  const octokit = octokitOptions(settings);
  const octokits: RepoOctokits = options.app
    ? appOctokits({ ...options.app, octokit, fallbackSecondarySeconds: settings.fallbackSecondaryRetryAfterSeconds, timed })
    : tokenOctokits(options.token as string, octokit);
  settings.log.debug({ auth: options.app ? 'github-app' : 'token', baseUrl: settings.baseUrl }, 'GitHub client ready');

  return restPullRequests({ octokits, log: settings.log, fallbackSecondarySeconds: settings.fallbackSecondaryRetryAfterSeconds, timed });
}
