// A stand-in for the GitHub REST API (GITHUB_API_URL of the local functions) that knows the
// play's pull requests: every `task-<N>-…` branch has one open PR, number N % 100000 + 1,
// labelled `task-<N>` and `ready-for-qa` until a label is removed (adding it puts it back). It records every request
// and can inject the faults GitHub has: 500s, a secondary rate limit, a label removal that is
// applied but never answered (the caller is cut off mid-request).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { READY_FOR_QA_LABEL } from '../../shared/play';

export interface RecordedGitHubRequest {
  method: string;
  /** Path and query string. */
  path: string;
  body: string;
  /** The answer's status; absent while a stalled request is held (or after it was cut off). */
  status?: number;
}

export const fakeGitHubModes = ['ok', 'error500', 'secondary-rate-limit', 'stall-label-removal'] as const;
export type FakeGitHubMode = (typeof fakeGitHubModes)[number];

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

export async function startFakeGitHub(host = '127.0.0.1'): Promise<FakeGitHub> {
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

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const record: RecordedGitHubRequest = { method, path: url.pathname + url.search, body };
    requests.push(record);
    answers.set(res, record);
    if (state.mode === 'error500') return answer(res, 500, { message: 'Server Error' });
    if (state.mode === 'secondary-rate-limit') {
      return answer(res, 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'Retry-After': '7' });
    }
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
