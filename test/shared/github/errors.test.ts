import { describe, expect, it } from 'vitest';
import { installationStale, rateLimitRetryAfterSeconds, toGitHubError } from '../../../shared/github/errors';
import { GitHubRequestError, GitHubUnavailableError } from '../../../shared/github/types';

function httpError(status: number, message: string, headers: Record<string, string> = {}, data: unknown = { message }) {
  return Object.assign(new Error(message), { status, response: { headers, data } });
}

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('rateLimitRetryAfterSeconds', () => {
  it.each([
    ['retry-after wins', httpError(403, 'You have exceeded a secondary rate limit', { 'retry-after': '7', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 100) }), 7],
    ['until the reset (+1 s) when remaining is 0', httpError(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 100) }), 101],
    ['a reset already past still waits 1 s', httpError(429, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 - 5) }), 1],
    ['secondary limit without headers: fallback', httpError(403, 'You have exceeded a secondary rate limit. Please wait'), 60],
    ['old "abuse" wording: fallback', httpError(403, 'You have triggered an abuse detection mechanism.'), 60],
    ['any 429: fallback', httpError(429, 'Too Many Requests'), 60],
    ['a permission 403 is no rate limit', httpError(403, 'Resource not accessible by integration'), undefined],
    ['a 5xx is no rate limit', httpError(503, 'Service Unavailable', { 'retry-after': '5' }), undefined],
  ])('%s', (_name, error, expected) => {
    expect(rateLimitRetryAfterSeconds(error, 60, NOW)).toBe(expected);
  });
});

describe('toGitHubError', () => {
  it('keeps errors that are not GitHub responses (bugs) unchanged', () => {
    const bug = new TypeError('x is undefined');
    expect(toGitHubError(bug, 'do it', 60)).toBe(bug);
  });

  it('maps a timeout or abort to GitHubUnavailableError', () => {
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    expect(toGitHubError(timeout, 'do it', 60)).toBeInstanceOf(GitHubUnavailableError);
  });

  it('maps 4xx refusals to GitHubRequestError with the status and GitHub message', () => {
    const mapped = toGitHubError(httpError(422, 'Validation Failed - https://docs', {}, { message: 'Validation Failed' }), 'do it', 60);
    expect(mapped).toBeInstanceOf(GitHubRequestError);
    expect(mapped).toMatchObject({ status: 422, message: 'do it: GitHub answered 422: Validation Failed' });
  });
});

describe('installationStale', () => {
  const at = (status: number, url: string) => Object.assign(httpError(status, 'x'), { request: { url } });
  it.each([
    ['a 401 anywhere', at(401, 'https://api.github.com/repos/acme/shop/pulls'), true],
    ['a 404 while minting the installation token', at(404, 'https://api.github.com/app/installations/42/access_tokens'), true],
    ['a 404 of the call itself', at(404, 'https://api.github.com/repos/acme/shop/issues/12/labels'), false],
    ['a 403', at(403, 'https://api.github.com/app/installations/42/access_tokens'), false],
    ['an error that is not GitHub\'s', new Error('bug'), false],
  ])('%s', (_name, error, expected) => {
    expect(installationStale(error)).toBe(expected);
  });
});
