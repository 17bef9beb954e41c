/** Shared setup for the GitHub client tests: nock guards, a recording logger, a fast test client. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createGitHubClient, type GitHubClientOptions } from '../../../shared/github/client';
import type { GitHubCallInfo, GitHubLog } from '../../../shared/github/types';

export const API = 'https://api.github.com';

/** Blocks real network, and fails a test that left an expected request unmade or made an unexpected one. */
export function guardNetwork(): { unmatched: string[] } {
  const state = { unmatched: [] as string[] };
  const onNoMatch = (req: { method?: string; path?: string; href?: string }) => state.unmatched.push(`${req.method} ${req.href ?? req.path}`);
  beforeAll(() => {
    nock.disableNetConnect();
    nock.emitter.on('no match', onNoMatch);
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    const unmatched = state.unmatched.splice(0);
    nock.cleanAll();
    expect(pending, 'every mocked request was made').toEqual([]);
    expect(unmatched, 'no request went unmocked').toEqual([]);
  });
  afterAll(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    nock.enableNetConnect();
  });
  return state;
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn';
  readonly obj: Record<string, unknown>;
  readonly msg?: string;
}

export function recordingLog(): GitHubLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn') };
}

let clients = 0;

/**
 * A token client with millisecond waits (delayUnitMs: 1 s of retry-after = `delayUnitMs` ms)
 * and its own throttling key, so tests do not share plugin-throttling's write spacing.
 */
export function testClient(overrides: Partial<GitHubClientOptions> = {}) {
  const log = recordingLog();
  const calls: GitHubCallInfo[] = [];
  const client = createGitHubClient({
    token: 'ghp_testtoken',
    baseUrl: API,
    delayUnitMs: 5,
    requestTimeoutMs: 5_000,
    throttleId: `github-test-${++clients}`,
    log,
    onCall: (info) => calls.push(info),
    ...overrides,
  });
  return { client, log, calls };
}

/** A minimal pulls-list item: what listOpenByBranch reads. */
export function pull(number: number, ref: string, labels: string[] = [], owner = 'acme') {
  return { number, state: 'open', head: { ref, label: `${owner}:${ref}` }, labels: labels.map((name, id) => ({ id, name })) };
}

export const SECONDARY_LIMIT_BODY = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};
