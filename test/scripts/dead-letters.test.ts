/**
 * The dead-letters CLI against a real function app (in-process, its fetch) and the in-memory store: list, show,
 * replay (one, --all, refused again, not now, not kept), drop (one, --older-than), by object name or delivery ID.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { APPROVED } from '../../shared/declarations';
import { REQUEST_LIMIT_BYTES, deadLetterName, toDeadLetter } from '../../shared/dead-letters/dead-letter';
import { runDeadLetters } from '../../dev/scripts/dead-letters/commands';
import { reviewEvent, sensorEnvelope } from '../fixtures/github-events';
import { MemoryDeadLetters } from '../fakes/memory-dead-letters';
import { FakeCodeRuns, FakePullRequests, FakeWorkflows, summary } from '../fakes/fake-clients';
import { testApp } from '../support/test-app';

const TOKEN = 'trigger-token';

function setup() {
  const store = new MemoryDeadLetters();
  const workflows = new FakeWorkflows();
  const applied = new Set<string>();
  // A workflow that records what it applied, so a second delivery is a duplicate (as the real dedup record).
  const app = testApp({
    declaration: APPROVED,
    workflows,
    codeRuns: new FakeCodeRuns(),
    pullRequests: new FakePullRequests(),
    recordedKeys: () => [...applied],
    triggerTokens: [TOKEN],
    deadLetters: store,
  });
  workflows.resumeResult = (request) => {
    applied.add(request.dedupKeys[0]!);
    return { outcome: 'resumed', workflow: request.name, node: { id: 'n', displayName: 'wait-pr-approved' }, fromStage: 'waiting-pr-approved', toStage: 'completed', attempts: 1 };
  };
  const calls: { url: string; authorization: string | null }[] = [];
  const fetchApp: typeof fetch = async (input, init) => {
    const url = String(input);
    calls.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    return app.app.request(new URL(url).pathname, init as RequestInit);
  };
  const out: string[] = [];
  const err: string[] = [];
  const run = (...argv: string[]) =>
    runDeadLetters(argv, { store, functionUrl: (fn) => `http://${fn}.argo.svc.cluster.local`, token: async () => TOKEN, out: (l) => out.push(l), err: (l) => err.push(l), fetch: fetchApp, now: () => new Date('2026-12-10T00:00:00Z') });
  /** Sends an approval the way the Sensor does, so the function itself keeps a dead letter. */
  const deadLetter = async (delivery: string) => {
    const response = await app.post(sensorEnvelope('pull_request_review', reviewEvent('approved', { task: 7 }), delivery), { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(404);
  };
  return { store, workflows, run, out, err, calls, deadLetter, applied };
}

describe('npm run dead-letters', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('list prints one line per dead letter with its function, delivery, answer and reason', async () => {
    await t.deadLetter('d-1');
    await t.deadLetter('d-2');
    expect(await t.run('list')).toBe(0);
    expect(t.out[0]).toBe('ID\tFUNCTION\tDELIVERY\tSTATUS\tOUTCOME\tDEAD-LETTERED\tREASON');
    expect(t.out.slice(1).map((line) => line.split('\t').slice(0, 5))).toEqual(
      expect.arrayContaining([[deadLetterName('approved', 'd-1'), 'approved', 'd-1', '404', 'no-workflow'], [deadLetterName('approved', 'd-2'), 'approved', 'd-2', '404', 'no-workflow']]),
    );
    t.out.length = 0;
    expect(await t.run('list', '--function', 'rex-push', '--json')).toBe(0);
    expect(JSON.parse(t.out[0]!)).toEqual([]);
  });

  it('show prints the dead letter and its request, found by object name or by delivery ID', async () => {
    await t.deadLetter('d-1');
    expect(await t.run('show', 'd-1')).toBe(0);
    const shown = JSON.parse(t.out.join('\n'));
    expect(shown).toMatchObject({ id: deadLetterName('approved', 'd-1'), deliveryId: 'd-1', outcome: 'no-workflow', request: { headers: { 'X-Github-Delivery': ['d-1'] } } });
    expect(await t.run('show', deadLetterName('approved', 'd-1'))).toBe(0);
    expect(await t.run('show', 'nope')).toBe(1);
    expect(t.err).toEqual(['no dead letter nope']);
  });

  it('replay sends the stored request with the token and its delivery ID; once it applies, the dead letter is dropped', async () => {
    await t.deadLetter('d-1');
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' })];
    expect(await t.run('replay', 'd-1')).toBe(0);
    expect(t.calls).toEqual([{ url: 'http://approved.argo.svc.cluster.local/', authorization: `Bearer ${TOKEN}` }]);
    expect(t.out).toEqual([`${deadLetterName('approved', 'd-1')}\tsettled: 200 resumed; dropped`]);
    expect(await t.store.list()).toEqual([]);
    expect(t.applied).toEqual(new Set(['d-1']));
  });

  it('a replay of an event applied meanwhile answers duplicate and is dropped: nothing happens twice', async () => {
    await t.deadLetter('d-1');
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' })];
    t.applied.add('d-1');
    expect(await t.run('replay', 'd-1')).toBe(0);
    expect(t.out[0]).toMatch(/settled: 200 duplicate; dropped$/);
    expect(t.workflows.resumes).toEqual([]);
  });

  it('a replay refused again keeps the dead letter (the function rewrote it) and exits 1', async () => {
    await t.deadLetter('d-1');
    const before = t.store.recorded.length;
    expect(await t.run('replay', 'd-1')).toBe(1);
    expect(t.out[0]).toMatch(/refused again: 404 no-workflow: .*; kept$/);
    expect(t.store.recorded.length).toBe(before + 1);
    expect((await t.store.list()).map((l) => l.deliveryId)).toEqual(['d-1']);
  });

  it('a function that is down or not ready keeps it for later', async () => {
    await t.deadLetter('d-1');
    const down = await runDeadLetters(['replay', 'd-1'], { store: t.store, functionUrl: () => 'http://127.0.0.1:9', token: async () => TOKEN, out: (l) => t.out.push(l), err: () => {} });
    expect(down).toBe(1);
    expect(t.out[0]).toMatch(/not now: .*kept, replay it later$/);
    expect(await t.store.list()).toHaveLength(1);
  });

  it('replay --all goes through every dead letter and says how many settled', async () => {
    await t.deadLetter('d-1');
    await t.deadLetter('d-2');
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' })];
    expect(await t.run('replay', '--all')).toBe(0);
    expect(t.out.at(-1)).toBe('replayed 2: 2 settled and dropped, 0 kept');
    expect(await t.store.list()).toEqual([]);
  });

  it('a dead letter whose request was over the cap cannot be replayed: it says to redeliver from GitHub', async () => {
    await t.store.record(toDeadLetter({ key: 'big', function: 'approved', deliveryId: 'big', route: '/', status: 404, outcome: 'no-workflow', reason: 'r', at: new Date(), request: 'x'.repeat(REQUEST_LIMIT_BYTES + 1) }));
    expect(await t.run('replay', 'big')).toBe(1);
    expect(t.out[0]).toMatch(/cannot replay: the request \(786433 bytes\) was not kept: redeliver big from the webhook's Recent Deliveries on GitHub/);
    expect(t.calls).toEqual([]);
  });

  it('drop deletes one; drop --older-than DAYS applies the retention', async () => {
    const at = (key: string, iso: string) => t.store.record(toDeadLetter({ key, function: 'approved', deliveryId: key, route: '/', status: 404, outcome: 'no-workflow', reason: 'r', at: new Date(iso), request: '{}' }));
    await at('old', '2026-11-01T00:00:00Z');
    await at('recent', '2026-12-09T00:00:00Z');
    await at('gone', '2026-12-09T00:00:00Z');
    expect(await t.run('drop', 'gone')).toBe(0);
    expect(await t.run('drop', 'gone')).toBe(1);
    expect(await t.run('drop', '--older-than', '14')).toBe(0);
    expect((await t.store.list()).map((l) => l.deliveryId)).toEqual(['recent']);
  });

  it('usage errors exit 2', async () => {
    expect(await t.run()).toBe(2);
    expect(await t.run('replay')).toBe(2);
    expect(await t.run('replay', 'x', '--all')).toBe(2);
    expect(await t.run('frobnicate')).toBe(2);
    expect(await t.run('list', '--bogus')).toBe(2);
  });
});

describe('dev/scripts/dead-letters.ts (the entry point) against a Kubernetes API', () => {
  it('prints every dead letter of a long list to a pipe whose reader is slow (nothing cut off at exit)', async () => {
    const { FakeKubeApi } = await import('../fakes/fake-kube-api');
    const { createSecretDeadLetterStore } = await import('../../shared/dead-letters/secret-store');
    const { spawn } = await import('node:child_process');
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const api = await FakeKubeApi.start();
    try {
      const store = createSecretDeadLetterStore({ namespace: 'argo', kubeConfig: api.kubeConfig() });
      const count = 1500;
      for (let i = 0; i < count; i++) {
        await store.record(toDeadLetter({ key: `d-${i}`, function: 'approved', deliveryId: `d-${i}`, route: '/', status: 404, outcome: 'no-workflow', reason: 'no play workflow for this task '.repeat(4), at: new Date(1_800_000_000_000 + i), request: '{}' }));
      }
      const dir = await mkdtemp(join(tmpdir(), 'dead-letters-cli-'));
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'fake', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }], users: [{ name: 'fake', user: { token: 'fake' } }], contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'argo' } }], 'current-context': 'fake' }));
      const child = spawn('npx', ['tsx', 'dev/scripts/dead-letters.ts', 'list', '--kubeconfig', kubeconfig], { cwd: join(__dirname, '..', '..') });
      child.stdout.pause(); // a reader that falls behind: the CLI's writes queue up
      await new Promise((resolve) => setTimeout(resolve, 10_000)); // longer than the CLI takes to start and list
      let text = '';
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.stdout.resume();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, errors).toBe(0);
      expect(text.trimEnd().split('\n')).toHaveLength(count + 1);
    } finally {
      await api.close();
    }
  }, 60_000);
});
