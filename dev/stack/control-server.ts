// Fault injection for a running stack, over HTTP on loopback (tests run in other processes than
// the stack): kill, start or restart a stack process, and drive the fake GitHub. Bearer token.
//   GET  /processes                         names and pids
//   POST /processes/<name>/kill             SIGKILL to its process group (a crash)
//   POST /processes/<name>/start            starts it again and waits until it is ready
//   POST /processes/<name>/restart          SIGTERM, then start (a rolling restart)
//   GET  /github/requests                   every request the fake GitHub got
//   PUT  /github/mode {"mode": "..."}       ok | error500 | secondary-rate-limit | stall-label-removal
//   POST /sensors {"sensor": {...}, "kubeApi": true}  runs one more Sensor on the stack's bus (once per name)
//   PUT  /secrets/<name> {"data": {...}, "lagMs": {"function": 4000}}
//                                           replaces a Secret's data and rewrites every volume of it, as the kubelet
//                                           would, optionally later for one kind of consumer (sensor, function)
//   PUT  /agents/script {"task": 7, "githubApp": "5DLabs-Cleo", "outcomes": ["Failed", "hold"]}
//                                           what the agents' side does with that task's next CodeRuns of that App
//   GET  /agents/runs?task=7                the CodeRuns the agents' side took up, oldest first
//   POST /agents/release {"name": "...", "outcome": "Succeeded"}  ends a held CodeRun
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fakeGitHubModes, type FakeGitHub, type FakeGitHubMode } from '../../test/fakes/fake-github';
import type { AgentOutcome, CodeRunAgents } from '../../test/fakes/coderun-agents';
import type { KubeObject } from './kube-rest';
import type { SecretConsumer } from './functions/secret-volume';

const secretConsumers: readonly SecretConsumer[] = ['sensor', 'function'];

export interface ControllableProcesses {
  list(): { name: string; pid: number; running: boolean }[];
  kill(name: string): Promise<void>;
  start(name: string): Promise<void>;
  restart(name: string): Promise<void>;
}

export interface UpdatableSecrets {
  update(name: string, data: Record<string, string>, lagMs?: Partial<Record<SecretConsumer, number>>): Promise<void>;
}

export interface ControlServerOptions {
  token: string;
  processes: ControllableProcesses;
  fakeGitHub?: FakeGitHub;
  /** Starts one more Sensor (stack.startSensor); absent when the stack runs without Argo Events. */
  startSensor?: (sensor: KubeObject, options: { kubeApi: boolean }) => Promise<unknown>;
  secrets?: UpdatableSecrets;
  /** The agents' side, once the stack runs the shipped play template. */
  agents?: () => CodeRunAgents | undefined;
}

const agentOutcomes: readonly AgentOutcome[] = ['Succeeded', 'Failed', 'hold'];

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const startedSensors = new Map<string, Promise<unknown>>();
  const route = async (method: string, path: string, query: URLSearchParams, body: string): Promise<[number, unknown]> => {
    if (method === 'GET' && path === '/processes') return [200, options.processes.list()];
    if (method === 'POST' && path === '/sensors') {
      if (!options.startSensor) return [404, { error: 'this stack runs without Argo Events' }];
      const { sensor, kubeApi } = JSON.parse(body || '{}') as { sensor?: KubeObject; kubeApi?: boolean };
      if (sensor?.kind !== 'Sensor' || !sensor.metadata?.name) return [400, { error: 'body must be {"sensor": <a Sensor object>, "kubeApi"?: boolean}' }];
      const name = sensor.metadata.name;
      if (!startedSensors.has(name)) startedSensors.set(name, options.startSensor(sensor, { kubeApi: kubeApi === true }));
      await startedSensors.get(name);
      return [200, { sensor: name }];
    }
    const action = /^\/processes\/([\w.-]+)\/(kill|start|restart)$/.exec(path);
    if (method === 'POST' && action) {
      const [, name = '', verb = ''] = action;
      if (!options.processes.list().some((p) => p.name === name)) return [404, { error: `no stack process named ${name}` }];
      await options.processes[verb as 'kill' | 'start' | 'restart'](name);
      return [200, options.processes.list().find((p) => p.name === name)];
    }
    const secret = /^\/secrets\/([a-z0-9][-a-z0-9.]*)$/.exec(path);
    if (method === 'PUT' && secret && options.secrets) {
      const { data, lagMs = {} } = JSON.parse(body || '{}') as { data?: unknown; lagMs?: unknown };
      if (!data || typeof data !== 'object' || Object.values(data).some((value) => typeof value !== 'string')) return [400, { error: 'body must be {"data": {"<key>": "<value>"}}' }];
      const lagValid = lagMs && typeof lagMs === 'object' && Object.entries(lagMs).every(([consumer, ms]) => secretConsumers.includes(consumer as SecretConsumer) && Number.isInteger(ms) && (ms as number) >= 0 && (ms as number) <= 600_000);
      if (!lagValid) return [400, { error: `lagMs must map ${secretConsumers.join('/')} to milliseconds (0-600000)` }];
      await options.secrets.update(secret[1]!, data as Record<string, string>, lagMs as Partial<Record<SecretConsumer, number>>);
      return [200, { updated: secret[1], keys: Object.keys(data) }];
    }
    if (path.startsWith('/agents/')) return agentRoute(options.agents?.(), method, path, query, body);
    const github = options.fakeGitHub;
    if (path.startsWith('/github/') && !github) return [404, { error: 'this stack runs without the fake GitHub' }];
    if (github && method === 'GET' && path === '/github/requests') return [200, github.requests];
    if (github && method === 'PUT' && path === '/github/mode') {
      const mode = (JSON.parse(body || '{}') as { mode?: string }).mode;
      if (!fakeGitHubModes.includes(mode as FakeGitHubMode)) return [400, { error: `mode must be one of ${fakeGitHubModes.join(', ')}` }];
      github.mode = mode as FakeGitHubMode;
      if (mode !== 'stall-label-removal') github.releaseStalled();
      return [200, { mode }];
    }
    return [404, { error: `no route ${method} ${path}` }];
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (!authorized(req, options.token)) return send(res, 401, { error: 'missing or wrong bearer token' });
      const url = new URL(req.url ?? '/', 'http://control');
      route(req.method ?? 'GET', url.pathname, url.searchParams, body).then(
        ([status, answer]) => send(res, status, answer),
        (error: unknown) => send(res, 500, { error: error instanceof Error ? error.message : String(error) }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function agentRoute(agents: CodeRunAgents | undefined, method: string, path: string, query: URLSearchParams, body: string): Promise<[number, unknown]> {
  if (!agents) return [404, { error: 'this stack runs no agents\' side (it needs the node and the shipped play template)' }];
  if (method === 'GET' && path === '/agents/runs') {
    const task = query.get('task');
    return [200, agents.runs(task === null ? undefined : task)];
  }
  if (method === 'PUT' && path === '/agents/script') {
    const { task, githubApp, outcomes } = JSON.parse(body || '{}') as { task?: unknown; githubApp?: unknown; outcomes?: unknown };
    const valid = (typeof task === 'number' || typeof task === 'string') && typeof githubApp === 'string' && Array.isArray(outcomes) && outcomes.every((o) => agentOutcomes.includes(o as AgentOutcome));
    if (!valid) return [400, { error: `body must be {"task": <id>, "githubApp": "<App>", "outcomes": [${agentOutcomes.map((o) => `"${o}"`).join(' | ')}, …]}` }];
    agents.script(task as string | number, githubApp as string, outcomes as AgentOutcome[]);
    return [200, { task, githubApp, outcomes }];
  }
  if (method === 'POST' && path === '/agents/release') {
    const { name, outcome } = JSON.parse(body || '{}') as { name?: unknown; outcome?: unknown };
    if (typeof name !== 'string' || (outcome !== 'Succeeded' && outcome !== 'Failed')) return [400, { error: 'body must be {"name": "<CodeRun>", "outcome": "Succeeded" | "Failed"}' }];
    await agents.release(name, outcome);
    return [200, { name, outcome }];
  }
  return [404, { error: `no route ${method} ${path}` }];
}
