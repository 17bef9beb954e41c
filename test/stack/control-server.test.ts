// The stack's fault-injection API: bearer token, process actions passed through, fake GitHub modes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startControlServer, type ControllableProcesses, type ControlServer } from '../../dev/stack/control-server';
import { startFakeGitHub, type FakeGitHub } from '../fakes/fake-github';

describe('harness control server', () => {
  let server: ControlServer;
  let github: FakeGitHub;
  const calls: string[] = [];
  const secrets = { update: async (name: string, data: Record<string, string>, lagMs?: object) => void calls.push(`secret ${name} ${JSON.stringify(data)} ${JSON.stringify(lagMs)}`) };
  const processes: ControllableProcesses = {
    list: () => [{ name: 'kube-apiserver', pid: 7, running: true }],
    kill: async (name) => void calls.push(`kill ${name}`),
    start: async (name) => void calls.push(`start ${name}`),
    restart: async (name) => void calls.push(`restart ${name}`),
  };
  beforeEach(async () => {
    calls.length = 0;
    github = await startFakeGitHub();
    server = await startControlServer({ token: 'secret', processes, fakeGitHub: github, secrets });
  });
  afterEach(async () => {
    await server.close();
    await github.close();
  });
  const call = (method: string, path: string, body?: unknown, token = 'secret') =>
    fetch(`${server.url}${path}`, { method, headers: { Authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });

  it('refuses a missing or wrong token and does nothing', async () => {
    expect((await fetch(`${server.url}/processes/kube-apiserver/kill`, { method: 'POST' })).status).toBe(401);
    expect((await call('POST', '/processes/kube-apiserver/kill', undefined, 'secreT')).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('kills, starts and restarts a named process; an unknown name is 404', async () => {
    for (const verb of ['kill', 'start', 'restart']) expect((await call('POST', `/processes/kube-apiserver/${verb}`)).status).toBe(200);
    expect(calls).toEqual(['kill kube-apiserver', 'start kube-apiserver', 'restart kube-apiserver']);
    expect((await call('POST', '/processes/etcd/kill')).status).toBe(404);
    expect(await (await call('GET', '/processes')).json()).toEqual([{ name: 'kube-apiserver', pid: 7, running: true }]);
  });

  it('sets the fake GitHub mode (only known modes) and lists its requests', async () => {
    expect((await call('PUT', '/github/mode', { mode: 'error500' })).status).toBe(200);
    expect(github.mode).toBe('error500');
    expect((await call('PUT', '/github/mode', { mode: 'flaky' })).status).toBe(400);
    expect(github.mode).toBe('error500');
    await fetch(`${github.url}/repos/o/r/pulls`);
    expect(await (await call('GET', '/github/requests')).json()).toEqual([{ method: 'GET', path: '/repos/o/r/pulls', body: '', auth: 'none', status: 500 }]);
  });

  it('scripts, lists and releases the agents\' side; refuses bad bodies; 404 without agents', async () => {
    const scripted: string[] = [];
    const agents = {
      script: (task: string | number, app: string, outcomes: string[]) => void scripted.push(`${task} ${app} ${outcomes.join(',')}`),
      release: async (name: string, outcome: string) => void scripted.push(`release ${name} ${outcome}`),
      runs: (task?: string | number) => [{ name: 'r1', taskId: '7', githubApp: '5DLabs-Rex', workflow: 'w', phase: 'Running', created: 't' }].filter((r) => task === undefined || r.taskId === String(task)),
      stop: () => {},
    };
    const withAgents = await startControlServer({ token: 'secret', processes, agents: () => agents });
    const to = (method: string, path: string, body?: unknown) => fetch(`${withAgents.url}${path}`, { method, headers: { Authorization: 'Bearer secret' }, body: body === undefined ? undefined : JSON.stringify(body) });
    try {
      expect((await to('PUT', '/agents/script', { task: 7, githubApp: '5DLabs-Cleo', outcomes: ['Failed', 'hold'] })).status).toBe(200);
      expect((await to('PUT', '/agents/script', { task: 7, githubApp: '5DLabs-Cleo', outcomes: ['Crashed'] })).status).toBe(400);
      expect((await to('PUT', '/agents/script', { task: 7, outcomes: [] })).status).toBe(400);
      expect(await (await to('GET', '/agents/runs?task=7')).json()).toEqual([expect.objectContaining({ name: 'r1' })]);
      expect(await (await to('GET', '/agents/runs?task=8')).json()).toEqual([]);
      expect((await to('POST', '/agents/release', { name: 'r1', outcome: 'Succeeded' })).status).toBe(200);
      expect((await to('POST', '/agents/release', { name: 'r1', outcome: 'hold' })).status).toBe(400);
      expect(scripted).toEqual(['7 5DLabs-Cleo Failed,hold', 'release r1 Succeeded']);
    } finally {
      await withAgents.close();
    }
    expect((await call('GET', '/agents/runs')).status).toBe(404);
  });

  it('updates a Secret with string values only', async () => {
    expect((await call('PUT', '/secrets/handoff-trigger-token', { data: { 'accepted-tokens': 'a\nb\n' } })).status).toBe(200);
    expect((await call('PUT', '/secrets/handoff-trigger-token', { data: { key: 1 } })).status).toBe(400);
    expect((await call('PUT', '/secrets/handoff-trigger-token', {})).status).toBe(400);
    expect((await call('PUT', '/secrets/../etc', { data: {} })).status).toBe(404);
    expect((await call('PUT', '/secrets/s', { data: {}, lagMs: { function: 4000 } })).status).toBe(200);
    expect((await call('PUT', '/secrets/s', { data: {}, lagMs: { kubelet: 1 } })).status).toBe(400);
    expect((await call('PUT', '/secrets/s', { data: {}, lagMs: { function: -1 } })).status).toBe(400);
    expect(calls).toEqual(['secret handoff-trigger-token {"accepted-tokens":"a\\nb\\n"} {}', 'secret s {} {"function":4000}']);
  });
});
