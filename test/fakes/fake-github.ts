// A stand-in for the GitHub REST API (GITHUB_API_URL of the local functions) that knows the
// play's pull requests: every `task-<N>-…` branch has one open PR, number N % 100000 + 1,
// labelled `task-<N>` and `ready-for-qa` until a label is removed (adding it puts it back). It records every request
// and can inject the faults GitHub has: 500s, a secondary rate limit, a label removal that is
// applied but never answered (the caller is cut off mid-request).
// Credentials as GitHub checks them: a GitHub App (its JWT for the installation routes, then installation
// tokens: test/fakes/fake-github-app.ts) and the fixed tokens it is given (a personal access token's part);
// a wrong one is answered 401 Bad credentials, none at all 401 Requires authentication (GitHub's answer to an
// anonymous write; the fake's repositories take no anonymous call). The tests' own calls stand in for the agents'
// Apps (Cleo's hand-over label) with a fixed token too (dev/stack/github/local-github.ts AGENTS_GITHUB_TOKEN).
import type { BlockList } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { READY_FOR_QA_LABEL } from '../../shared/play';
import { checkAppJwt, createInstallationTokens, credentialOf, type FakeGitHubApp } from './fake-github-app';

export type { FakeGitHubApp } from './fake-github-app';

/** What a request authenticated with: a fixed token, an installation token, the App's JWT; none or a credential refused (both 401). */
export type GitHubAuth = 'none' | 'token' | 'installation' | 'app' | 'refused';

export interface RecordedGitHubRequest {
  method: string;
  /** Path and query string. */
  path: string;
  body: string;
  auth: GitHubAuth;
  /** The answer's status; absent while a stalled request is held (or after it was cut off). */
  status?: number;
}

export const fakeGitHubModes = ['ok', 'error500', 'secondary-rate-limit', 'stall-label-removal'] as const;
export type FakeGitHubMode = (typeof fakeGitHubModes)[number];

export interface FakeGitHubOptions {
  /** The address it listens on. Default 127.0.0.1. */
  host?: string;
  /** A GitHub App installed on every repository: its JWT gets installation tokens, accepted on the REST routes. */
  app?: FakeGitHubApp;
  /** Fixed tokens accepted on the REST routes (e.g. the host-process functions' GITHUB_TOKEN). */
  tokens?: readonly string[];
  /** Source addresses it answers; other connections are closed unanswered. Default: any that reaches `host`. */
  clients?: BlockList;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedGitHubRequest[];
  mode: FakeGitHubMode;
  /** Ends the requests held by `stall-label-removal` (their sockets are destroyed). */
  releaseStalled(): void;
  close(): Promise<void>;
}

/** The PR number the fake gives task `task`'s branch. */
export const fakePullNumber = (task: number) => (task % 100_000) + 1;

const LIST_PULLS = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/;
const REMOVE_LABEL = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels\/([^/]+)$/;
const ADD_LABELS = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels$/;
const INSTALLATION = /^\/repos\/([^/]+)\/([^/]+)\/installation$/;
const ACCESS_TOKENS = /^\/app\/installations\/(\d+)\/access_tokens$/;

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const host = options.host ?? '127.0.0.1';
  const { app } = options;
  const installationId = app?.installationId ?? 1;
  const tokens = new Set(options.tokens ?? []);
  const installationTokens = createInstallationTokens();
  const requests: RecordedGitHubRequest[] = [];
  /** `owner/repo#number` → labels removed from that PR. */
  const removed = new Map<string, Set<string>>();
  const stalled = new Set<ServerResponse>();
  const state = { mode: 'ok' as FakeGitHubMode };

  const labelsOf = (key: string, task: string) => [`task-${task}`, READY_FOR_QA_LABEL].filter((l) => !removed.get(key)?.has(l));
  const answers = new WeakMap<ServerResponse, RecordedGitHubRequest>();
  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const record = answers.get(res);
    if (record) record.status = status;
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  /** Who the credential is, before the route decides (the App's JWT is checked by the routes that take it). */
  const authOf = (authorization: string | undefined): GitHubAuth => {
    if (authorization === undefined) return 'none';
    const credential = credentialOf(authorization);
    if (credential !== undefined && tokens.has(credential)) return 'token';
    if (credential !== undefined && installationTokens.valid(credential)) return 'installation';
    return 'refused';
  };

  /** The App routes: a valid App JWT as `Bearer`, nothing else (GitHub's docs: "Authenticating as a GitHub App"). */
  const appRoute = (req: IncomingMessage, res: ServerResponse, record: RecordedGitHubRequest, path: string, method: string): boolean => {
    const lookup = method === 'GET' ? INSTALLATION.exec(path) : null;
    const mint = method === 'POST' ? ACCESS_TOKENS.exec(path) : null;
    if (!lookup && !mint) return false;
    if (!app) {
      answer(res, 404, { message: 'Not Found (local harness fake GitHub: no App configured)' });
      return true;
    }
    const jwt = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const refused = checkAppJwt(jwt, app);
    if (refused) {
      record.auth = 'refused';
      answer(res, refused.status, { message: refused.message, documentation_url: 'https://docs.github.com/rest' });
      return true;
    }
    record.auth = 'app';
    if (lookup) {
      answer(res, 200, { id: installationId, app_id: Number(app.id), account: { login: lookup[1] }, repository_selection: 'all', target_type: 'Organization', access_tokens_url: `http://${req.headers.host}/app/installations/${installationId}/access_tokens`, permissions: { issues: 'write', pull_requests: 'write' } });
    } else if (Number(mint![1]) !== installationId) {
      answer(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app' });
    } else {
      answer(res, 201, { ...installationTokens.mint(), permissions: { issues: 'write', pull_requests: 'write' }, repository_selection: 'all' });
    }
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const record: RecordedGitHubRequest = { method, path: url.pathname + url.search, body, auth: authOf(req.headers.authorization) };
    requests.push(record);
    answers.set(res, record);
    if (state.mode === 'error500') return answer(res, 500, { message: 'Server Error' });
    if (state.mode === 'secondary-rate-limit') {
      return answer(res, 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'Retry-After': '7' });
    }
    if (appRoute(req, res, record, url.pathname, method)) return;
    if (record.auth === 'refused') return answer(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    if (record.auth === 'none') return answer(res, 401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' });
    const list = LIST_PULLS.exec(url.pathname);
    if (method === 'GET' && list) {
      const [owner = '', ref = ''] = (url.searchParams.get('head') ?? '').split(':');
      const task = /^task-(\d+)(?:-|$)/.exec(ref)?.[1];
      if (!task) return answer(res, 200, []);
      const number = fakePullNumber(Number(task));
      const labels = labelsOf(`${list[1]}/${list[2]}#${number}`, task);
      return answer(res, 200, [{ number, state: 'open', head: { ref, label: `${owner}:${ref}` }, labels: labels.map((name) => ({ name })) }]);
    }
    const remove = REMOVE_LABEL.exec(url.pathname);
    if (method === 'DELETE' && remove) {
      const key = `${remove[1]}/${remove[2]}#${remove[3]}`;
      const label = decodeURIComponent(remove[4] ?? '');
      const present = !removed.get(key)?.has(label);
      if (present) removed.set(key, new Set([...(removed.get(key) ?? []), label]));
      if (state.mode === 'stall-label-removal') {
        stalled.add(res); // applied on GitHub's side; the answer never comes
        return;
      }
      if (!present) return answer(res, 404, { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest/issues/labels' });
      return answer(res, 200, []);
    }
    const add = ADD_LABELS.exec(url.pathname);
    if (method === 'POST' && add) {
      // What Cleo's app does to hand over to Tess: POST {"labels": ["ready-for-qa"]}.
      const key = `${add[1]}/${add[2]}#${add[3]}`;
      const labels = (JSON.parse(body || '{}') as { labels?: string[] }).labels ?? [];
      for (const label of labels) removed.get(key)?.delete(label);
      return answer(res, 200, labels.map((name) => ({ name })));
    }
    answer(res, 404, { message: 'Not Found (local harness fake GitHub)' });
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, res, body));
  });
  if (options.clients) {
    const clients = options.clients;
    server.on('connection', (socket) => {
      const from = socket.remoteAddress ?? '';
      if (!clients.check(from, socket.remoteFamily === 'IPv6' ? 'ipv6' : 'ipv4')) socket.destroy();
    });
  }
  await new Promise<void>((r) => server.listen(0, host, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const releaseStalled = () => {
    for (const res of stalled) res.socket?.destroy();
    stalled.clear();
  };
  return {
    url: `http://${host}:${port}`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeGitHubMode) {
      state.mode = mode;
    },
    releaseStalled,
    close: () => {
      releaseStalled();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
