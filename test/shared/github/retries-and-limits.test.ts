import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { GitHubUnavailableError } from '../../../shared/github/types';
import { API, guardNetwork, pull, SECONDARY_LIMIT_BODY, testClient } from './helpers';

guardNetwork();

const PULLS = '/repos/acme/shop/pulls';
const QUERY = { head: 'acme:task-7-rex', state: 'open', per_page: '100' };
const LABEL = '/repos/acme/shop/issues/12/labels/ready-for-qa';

/** Records the order (and arrival time) of the requests a nock reply callback serves. */
function sequence() {
  const seen: { status: number; at: number }[] = [];
  const reply =
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
    (): [number, unknown, Record<string, string>] => {
      seen.push({ status, at: performance.now() });
      return [status, body, headers];
    };
  return { seen, statuses: () => seen.map((s) => s.status), reply };
}

function unavailable(promise: Promise<unknown>): Promise<GitHubUnavailableError> {
  return promise.then(
    () => expect.fail('expected GitHubUnavailableError'),
    (error: unknown) => {
      expect(error).toBeInstanceOf(GitHubUnavailableError);
      return error as GitHubUnavailableError;
    },
  );
}

describe('5xx and network errors (plugin-retry)', () => {
  it('retries a 5xx and succeeds', async () => {
    const s = sequence();
    nock(API)
      .get(PULLS).query(QUERY).reply(s.reply(502, { message: 'Bad Gateway' }))
      .get(PULLS).query(QUERY).reply(s.reply(503, { message: 'Service Unavailable' }))
      .get(PULLS).query(QUERY).reply(s.reply(200, [pull(12, 'task-7-rex')]));
    const { client, calls } = testClient({ retries: 2 });

    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 12, labels: [] }]);
    expect(s.statuses()).toEqual([502, 503, 200]);
    expect(calls).toEqual([expect.objectContaining({ route: 'GET /repos/{owner}/{repo}/pulls', status: 200 })]);
  });

  it('gives up after the bounded retries with GitHubUnavailableError', async () => {
    const s = sequence();
    nock(API).delete(LABEL).times(3).reply(s.reply(500, { message: 'Server Error' }));
    const { client, calls } = testClient({ retries: 2 });

    const error = await unavailable(client.removeLabel('acme', 'shop', 12, 'ready-for-qa'));
    expect(error.message).toMatch(/remove label "ready-for-qa" from acme\/shop#12: GitHub answered 500 after retries/);
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(s.statuses()).toEqual([500, 500, 500]); // 1 attempt + 2 retries, no more (guardNetwork fails on a 4th)
    expect(calls).toEqual([expect.objectContaining({ status: 500, error: expect.anything() })]);
  });

  it('does not retry with retries: 0', async () => {
    nock(API).get(PULLS).query(QUERY).once().reply(503, { message: 'down' });
    await unavailable(testClient({ retries: 0 }).client.listOpenByBranch('acme', 'shop', 'task-7-rex'));
  });

  it('turns an unreachable GitHub into GitHubUnavailableError', async () => {
    nock(API).get(PULLS).query(QUERY).times(2).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const error = await unavailable(testClient({ retries: 1 }).client.listOpenByBranch('acme', 'shop', 'task-7-rex'));
    expect(error.message).toMatch(/GitHub unreachable/);
  });
});

describe('secondary rate limits (plugin-throttling)', () => {
  it('honours retry-after, then succeeds', async () => {
    const s = sequence();
    nock(API)
      .get(PULLS).query(QUERY).reply(s.reply(403, SECONDARY_LIMIT_BODY, { 'retry-after': '2' }))
      .get(PULLS).query(QUERY).reply(s.reply(200, [pull(12, 'task-7-rex')]));
    const unit = 20;
    const { client, log } = testClient({ delayUnitMs: unit });

    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 12, labels: [] }]);
    expect(s.statuses()).toEqual([403, 200]);
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'GitHub secondary rate limit', obj: expect.objectContaining({ retryAfterSeconds: 2, willRetry: true }) }),
    );
    // The retry waited retry-after × delayUnitMs (a lower bound only; no upper bound is asserted).
    const [first, second] = s.seen;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2 * unit - 2);
  });

  it('handles a 429 secondary limit the same way (and plugin-retry does not retry it on its own)', async () => {
    const s = sequence();
    nock(API)
      .get(PULLS).query(QUERY).reply(s.reply(429, SECONDARY_LIMIT_BODY, { 'retry-after': '1' }))
      .get(PULLS).query(QUERY).reply(s.reply(200, []));
    await expect(testClient().client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([]);
    expect(s.statuses()).toEqual([429, 200]);
  });

  it('fails with retryAfterSeconds after the bounded retries', async () => {
    const s = sequence();
    nock(API).get(PULLS).query(QUERY).times(3).reply(s.reply(403, SECONDARY_LIMIT_BODY, { 'retry-after': '1' }));
    const { client, calls } = testClient({ secondaryRateLimitRetries: 2 });

    const error = await unavailable(client.listOpenByBranch('acme', 'shop', 'task-7-rex'));
    expect(error.retryAfterSeconds).toBe(1);
    expect(error.message).toMatch(/rate limit \(HTTP 403\); retry after 1s/);
    expect(s.statuses()).toEqual([403, 403, 403]);
    expect(calls).toEqual([expect.objectContaining({ status: 403, error: expect.anything() })]);
  });

  it('fails at once when retry-after is longer than maxRateLimitWaitSeconds', async () => {
    nock(API).get(PULLS).query(QUERY).once().reply(403, SECONDARY_LIMIT_BODY, { 'retry-after': '120' });
    const error = await unavailable(testClient({ maxRateLimitWaitSeconds: 10 }).client.listOpenByBranch('acme', 'shop', 'task-7-rex'));
    expect(error.retryAfterSeconds).toBe(120);
  });

  it('assumes the fallback wait when a secondary limit has no retry-after', async () => {
    nock(API).get(PULLS).query(QUERY).once().reply(403, SECONDARY_LIMIT_BODY);
    const error = await unavailable(testClient({ fallbackSecondaryRetryAfterSeconds: 60 }).client.listOpenByBranch('acme', 'shop', 'task-7-rex'));
    expect(error.retryAfterSeconds).toBe(60);
  });
});

describe('secondary rate limit on a write', () => {
  it('retries the DELETE after retry-after (plugin-throttling also spaces writes 1 s apart)', async () => {
    const s = sequence();
    nock(API)
      .delete(LABEL).reply(s.reply(403, SECONDARY_LIMIT_BODY, { 'retry-after': '1' }))
      .delete(LABEL).reply(s.reply(200, []));
    await expect(testClient().client.removeLabel('acme', 'shop', 12, 'ready-for-qa')).resolves.toBe('removed');
    expect(s.statuses()).toEqual([403, 200]);
  });
});

describe('primary rate limit (plugin-throttling)', () => {
  const exhausted = (resetEpochSeconds: number) => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-used': '5000',
    'x-ratelimit-resource': 'core',
    'x-ratelimit-reset': String(resetEpochSeconds),
  });
  const RATE_LIMITED = { message: 'API rate limit exceeded for installation ID 42.', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' };

  it('fails with retryAfterSeconds until the reset when the reset is far away', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    nock(API).delete(LABEL).once().reply(403, RATE_LIMITED, exhausted(reset));
    const { client, log } = testClient();

    const error = await unavailable(client.removeLabel('acme', 'shop', 12, 'ready-for-qa'));
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(3595);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(3602);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'GitHub primary rate limit exhausted', obj: expect.objectContaining({ willRetry: false }) }));
  });

  it('waits for a reset that is only seconds away, once, then succeeds', async () => {
    const s = sequence();
    const reset = Math.floor(Date.now() / 1000) + 1;
    nock(API)
      .get(PULLS).query(QUERY).reply(s.reply(403, RATE_LIMITED, exhausted(reset)))
      .get(PULLS).query(QUERY).reply(s.reply(200, [pull(12, 'task-7-rex', ['ready-for-qa'])]));
    await expect(testClient().client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 12, labels: ['ready-for-qa'] }]);
    expect(s.statuses()).toEqual([403, 200]);
  });
});
