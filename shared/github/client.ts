/**
 * createGitHubClient: the production PullRequests. @octokit/rest with plugin-retry (5xx, network errors, timed-out
 * attempts) and plugin-throttling (rate limits), authenticated with a token or a GitHub App (installation looked up
 * once per repository; @octokit/auth-app mints and caches its token). What it cannot finish in time surfaces as
 * GitHubUnavailableError (503 with Retry-After upstream).
 */
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { installationStale, isOctokitError, toGitHubError } from './errors';
import { restPullRequests, type Timed, type WithRepo } from './pull-requests';
import { type GitHubCallInfo, type GitHubLog, GitHubRequestError, type PullRequests } from './types';

const GitHubOctokit = Octokit.plugin(retry, throttling);
type GitHubOctokit = InstanceType<typeof GitHubOctokit>;
type OctokitOptions = NonNullable<ConstructorParameters<typeof GitHubOctokit>[0]>;

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
  /** Deadline of one HTTP attempt, in milliseconds; a late attempt is retried like a 5xx. Default 10000. */
  readonly requestTimeoutMs?: number;
  /** Milliseconds per second of retry waits (both plugins). Default 1000; tests use a few ms. */
  readonly delayUnitMs?: number;
  /** plugin-throttling limiter key (clients sharing it share concurrency and write spacing). Default `handoff`. */
  readonly throttleId?: string;
}

const INSTALLATION_ROUTE = 'GET /repos/{owner}/{repo}/installation';
/** Repositories whose App installation ID is remembered; the oldest is dropped beyond this. */
const MAX_REMEMBERED_REPOSITORIES = 1000;

/** Each attempt gets its own deadline; an attempt that passes it fails like a network error and is retried. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    // Read globalThis.fetch per call so test interceptors installed later still apply.
    return globalThis.fetch(input, { ...init, signal });
  };
}

/** Octokit options without `auth`: Octokit's own lines (one per attempt) go to debug, its errors to info. */
function octokitOptions(options: GitHubClientOptions, baseUrl: string, log: GitHubLog): OctokitOptions {
  const at = (level: keyof GitHubLog) => (message: string) => log[level]({ component: 'octokit' }, message);
  const maxWait = options.maxRateLimitWaitSeconds ?? 10;
  const delayUnitMs = options.delayUnitMs ?? 1000;
  const rateLimited = (message: string, maxRetries: number) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const willRetry = retryAfter <= maxWait && retryCount < maxRetries;
      log.warn({ route: `${request.method} ${request.url}`, retryAfterSeconds: retryAfter, retryCount, willRetry }, message);
      return willRetry;
    };
  return {
    baseUrl,
    userAgent: 'handoff',
    log: { debug: at('debug'), info: at('debug'), warn: at('warn'), error: at('info') },
    request: { fetch: fetchWithTimeout(options.requestTimeoutMs ?? 10_000) },
    retry: {
      retries: options.retries ?? 2,
      retryAfterBaseValue: delayUnitMs,
      // plugin-retry's default list plus 429: rate limits are plugin-throttling's job, which honours retry-after.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      id: options.throttleId ?? 'handoff',
      retryAfterBaseValue: delayUnitMs,
      fallbackSecondaryRateRetryAfter: options.fallbackSecondaryRetryAfterSeconds ?? 60,
      onSecondaryRateLimit: rateLimited('GitHub secondary rate limit', options.secondaryRateLimitRetries ?? 2),
      // Wait for the primary reset once, and only when it is near; otherwise answer 503 with Retry-After.
      onRateLimit: rateLimited('GitHub primary rate limit exhausted', 1),
    },
  };
}

/** Which authenticated Octokit serves a repository. */
interface RepoOctokits {
  forRepo(owner: string, repo: string): Promise<GitHubOctokit>;
  /** Drop what is cached for the repository (its installation was removed or replaced). */
  forget(owner: string, repo: string): void;
}

const tokenOctokits = (octokit: GitHubOctokit): RepoOctokits => ({ forRepo: async () => octokit, forget: () => {} });

/** One Octokit per App installation; a repository's installation is looked up once and remembered. */
function appOctokits(app: NonNullable<GitHubClientOptions['app']>, octokit: OctokitOptions, timed: Timed, fallbackSecondarySeconds: number): RepoOctokits {
  const { appId, privateKey } = app;
  // App-level client: requests to /repos/{o}/{r}/installation are signed with the App JWT by auth-app.
  const appOctokit = new GitHubOctokit({ ...octokit, authStrategy: createAppAuth, auth: { appId, privateKey } });
  const installationIds = new Map<string, number>();
  const lookups = new Map<string, Promise<number>>();
  const installations = new Map<number, GitHubOctokit>();
  const key = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

  async function lookUp(owner: string, repo: string): Promise<number> {
    try {
      const { data } = await timed(INSTALLATION_ROUTE, () => appOctokit.request(INSTALLATION_ROUTE, { owner, repo }), (response) => response.status);
      return data.id;
    } catch (error) {
      const mapped = toGitHubError(error, `look up the GitHub App ${appId} installation for ${owner}/${repo}`, fallbackSecondarySeconds);
      const notInstalled = mapped instanceof GitHubRequestError && mapped.status === 404;
      throw notInstalled ? new GitHubRequestError(`the GitHub App ${appId} is not installed on ${owner}/${repo} (404 from ${INSTALLATION_ROUTE})`, 404) : mapped;
    }
  }

  async function installationId(owner: string, repo: string): Promise<number> {
    const k = key(owner, repo);
    const known = installationIds.get(k);
    if (known !== undefined) return known;
    let pending = lookups.get(k);
    if (!pending) {
      // Concurrent calls for one repository share a lookup.
      pending = lookUp(owner, repo).finally(() => lookups.delete(k));
      lookups.set(k, pending);
    }
    const id = await pending;
    installationIds.set(k, id);
    if (installationIds.size > MAX_REMEMBERED_REPOSITORIES) installationIds.delete(installationIds.keys().next().value as string);
    return id;
  }

  return {
    async forRepo(owner, repo) {
      const id = await installationId(owner, repo);
      let installation = installations.get(id);
      if (!installation) {
        // auth-app mints the installation token on first use and caches it (59 minutes; tokens live 60).
        installation = new GitHubOctokit({ ...octokit, authStrategy: createAppAuth, auth: { appId, privateKey, installationId: id } });
        installations.set(id, installation);
      }
      return installation;
    },
    forget(owner, repo) {
      const k = key(owner, repo);
      const id = installationIds.get(k);
      installationIds.delete(k);
      if (id !== undefined) installations.delete(id);
    },
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
  const baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const log: GitHubLog = options.log ?? { debug() {}, info() {}, warn() {} };
  const fallbackSecondarySeconds = options.fallbackSecondaryRetryAfterSeconds ?? 60;

  const onCall = (info: GitHubCallInfo) => {
    try {
      options.onCall?.(info);
    } catch (error) {
      // A failing metrics hook must not fail the GitHub call.
      log.warn({ err: error }, 'GitHub onCall hook threw');
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

  const octokit = octokitOptions(options, baseUrl, log);
  const octokits: RepoOctokits = options.app
    ? appOctokits(options.app, octokit, timed, fallbackSecondarySeconds)
    : tokenOctokits(new GitHubOctokit({ ...octokit, auth: options.token }));
  const withRepo: WithRepo = async (owner, repo, what, call) => {
    try {
      return await call(await octokits.forRepo(owner, repo));
    } catch (error) {
      if (installationStale(error)) octokits.forget(owner, repo);
      throw toGitHubError(error, what, fallbackSecondarySeconds);
    }
  };
  log.debug({ auth: options.app ? 'github-app' : 'token', baseUrl }, 'GitHub client ready');
  return restPullRequests({ withRepo, timed, log });
}
