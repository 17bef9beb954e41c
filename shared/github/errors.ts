/** Turns what Octokit throws into GitHubUnavailableError (retry later) or GitHubRequestError (definite refusal). */
import { GitHubRequestError, GitHubUnavailableError } from './types';

/** The parts of an Octokit RequestError we read (duck-typed: @octokit/request-error is not a direct dependency). */
export interface OctokitErrorLike {
  readonly status: number;
  readonly message: string;
  readonly response?: { readonly headers: Readonly<Record<string, string | number | undefined>>; readonly data?: unknown };
  readonly request?: { readonly url?: string };
}

export function isOctokitError(error: unknown): error is OctokitErrorLike {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

/** The `message` field of GitHub's JSON error body, if any. */
export function githubMessage(error: OctokitErrorLike): string | undefined {
  const data = error.response?.data;
  if (typeof data === 'object' && data !== null && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return undefined;
}

/** 401, or 404 while minting an installation token: the App's cached installation is stale. */
export function installationStale(error: unknown): boolean {
  if (!isOctokitError(error)) return false;
  return error.status === 401 || (error.status === 404 && /\/app\/installations\/[^/]+\/access_tokens/.test(error.request?.url ?? ''));
}

/** GitHub's secondary-limit wording; older responses said "abuse" (octokit/plugin-throttling.js #438). */
const SECONDARY_LIMIT = /\bsecondary rate\b|\babuse\b/i;

/**
 * Seconds to wait before retrying a rate-limited response, in GitHub's documented order:
 * `retry-after`; else, when `x-ratelimit-remaining` is 0, until `x-ratelimit-reset`;
 * else (secondary limit without a header) the fallback, at least a minute per GitHub.
 * Undefined when the response is not a rate limit at all.
 */
export function rateLimitRetryAfterSeconds(error: OctokitErrorLike, fallbackSeconds: number, nowMs = Date.now()): number | undefined {
  if (error.status !== 403 && error.status !== 429) return undefined;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return Math.ceil(retryAfter);
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const resetMs = Number(headers['x-ratelimit-reset']) * 1000;
    // One second past the reset, as plugin-throttling does.
    if (Number.isFinite(resetMs)) return Math.max(Math.ceil((resetMs - nowMs) / 1000) + 1, 1);
    return fallbackSeconds;
  }
  if (error.status === 429 || SECONDARY_LIMIT.test(error.message) || SECONDARY_LIMIT.test(githubMessage(error) ?? '')) {
    return fallbackSeconds;
  }
  return undefined;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * Classifies a failed GitHub call. `what` says what we were doing, for the message.
 * Errors that are not GitHub's (bugs) come back unchanged.
 */
export function toGitHubError(error: unknown, what: string, fallbackSecondarySeconds: number): unknown {
  if (error instanceof GitHubUnavailableError || error instanceof GitHubRequestError) return error;
  if (isAbort(error)) return new GitHubUnavailableError(`${what}: the request to GitHub timed out or was aborted`);
  if (!isOctokitError(error)) return error;

  const retryAfter = rateLimitRetryAfterSeconds(error, fallbackSecondarySeconds);
  if (retryAfter !== undefined) {
    return new GitHubUnavailableError(`${what}: GitHub rate limit (HTTP ${error.status}); retry after ${retryAfter}s`, retryAfter);
  }
  if (error.status >= 500) {
    // Octokit reports network failures as status 500 without a response.
    const detail = error.response ? `GitHub answered ${error.status} after retries` : `GitHub unreachable (${error.message})`;
    return new GitHubUnavailableError(`${what}: ${detail}`);
  }
  return new GitHubRequestError(`${what}: GitHub answered ${error.status}: ${githubMessage(error) ?? error.message}`, error.status);
}
