// The harness's fake GitHub behaves like GitHub where the functions depend on it: checked with the
// product's own GitHub client (shared/github), with a token or as a GitHub App (@octokit/auth-app's calls), plus
// the fault modes the e2e tests inject.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { BlockList } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakePullNumber, startFakeGitHub, type FakeGitHub } from './fake-github';
import { createGitHubClient } from '../../shared/github/client';

describe('harness fake GitHub', () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub({ tokens: ['t'] });
  });
  afterEach(async () => {
    await github.close();
  });
  const client = () => createGitHubClient({ token: 't', baseUrl: github.url, retries: 0, secondaryRateLimitRetries: 0, delayUnitMs: 1 });

  it('each task branch has one open PR with task-N and ready-for-qa; a removal is kept, a second one is "absent", adding puts it back', async () => {
    const prs = client();
    expect(await prs.listOpenByBranch('Codertocat', 'Hello-World', 'task-42-implementation')).toEqual([{ number: fakePullNumber(42), labels: ['task-42', 'ready-for-qa'] }]);
    expect(await prs.listOpenByBranch('Codertocat', 'Hello-World', 'main')).toEqual([]);
    expect(await prs.removeLabel('Codertocat', 'Hello-World', fakePullNumber(42), 'ready-for-qa')).toBe('removed');
    expect(await prs.removeLabel('Codertocat', 'Hello-World', fakePullNumber(42), 'ready-for-qa')).toBe('absent');
    expect((await prs.listOpenByBranch('Codertocat', 'Hello-World', 'task-42-implementation'))[0]?.labels).toEqual(['task-42']);
    expect((await prs.listOpenByBranch('Codertocat', 'Hello-World', 'task-43-implementation'))[0]?.labels).toEqual(['task-43', 'ready-for-qa']);

    const added = await fetch(`${github.url}/repos/Codertocat/Hello-World/issues/${fakePullNumber(42)}/labels`, { method: 'POST', headers: { Authorization: 'token t' }, body: JSON.stringify({ labels: ['ready-for-qa'] }) });
    expect(added.status).toBe(200);
    expect((await prs.listOpenByBranch('Codertocat', 'Hello-World', 'task-42-implementation'))[0]?.labels).toEqual(['task-42', 'ready-for-qa']);
    expect(github.requests.filter((r) => r.method === 'DELETE').map((r) => [r.status, r.auth])).toEqual([[200, 'token'], [404, 'token']]);
    expect(github.requests.find((r) => r.method === 'POST')?.auth).toBe('token');
  });

  it('a call with no Authorization is 401 Requires authentication and changes nothing', async () => {
    const pr = `/repos/Codertocat/Hello-World/issues/${fakePullNumber(42)}`;
    const anonymous = [
      await fetch(`${github.url}${pr}/labels/ready-for-qa`, { method: 'DELETE' }),
      await fetch(`${github.url}${pr}/labels`, { method: 'POST', body: JSON.stringify({ labels: ['ready-for-qa'] }) }),
      await fetch(`${github.url}/repos/Codertocat/Hello-World/pulls?head=Codertocat:task-42-x`),
    ];
    for (const res of anonymous) expect([res.status, ((await res.json()) as { message: string }).message]).toEqual([401, 'Requires authentication']);
    expect(github.requests.map((r) => [r.method, r.auth, r.status])).toEqual([['DELETE', 'none', 401], ['POST', 'none', 401], ['GET', 'none', 401]]);
    expect((await client().listOpenByBranch('Codertocat', 'Hello-World', 'task-42-implementation'))[0]?.labels).toEqual(['task-42', 'ready-for-qa']);
  });

  it('fault modes: 500s, a secondary rate limit with Retry-After, and a removal applied but never answered', async () => {
    github.mode = 'error500';
    const failed = await fetch(`${github.url}/repos/o/r/pulls?head=o:task-1-x`);
    expect(failed.status).toBe(500);
    github.mode = 'secondary-rate-limit';
    const limited = await fetch(`${github.url}/repos/o/r/pulls?head=o:task-1-x`);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([403, '7']);
    expect(((await limited.json()) as { message: string }).message).toMatch(/secondary rate limit/);

    github.mode = 'stall-label-removal';
    const stalled = fetch(`${github.url}/repos/o/r/issues/${fakePullNumber(1)}/labels/ready-for-qa`, { method: 'DELETE', headers: { Authorization: 'token t' } });
    await expect.poll(() => github.requests.filter((r) => r.method === 'DELETE').length).toBe(1);
    expect(github.requests.at(-1)?.status).toBeUndefined();
    github.releaseStalled();
    await expect(stalled).rejects.toThrow();
    github.mode = 'ok';
    const list = (await (await fetch(`${github.url}/repos/o/r/pulls?head=o:task-1-x`, { headers: { Authorization: 'token t' } })).json()) as { labels: { name: string }[] }[];
    expect(list[0]?.labels.map((l) => l.name)).toEqual(['task-1']); // the stalled removal was applied
  });
});

describe('harness fake GitHub: GitHub App authentication', () => {
  const appKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** PKCS#1, as GitHub hands out App keys and the local stack's Secret holds it. */
  const pem = (key: KeyObject) => key.export({ type: 'pkcs1', format: 'pem' }).toString();
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub({ app: { id: '4242', publicKey: appKey.publicKey, installationId: 77 }, tokens: ['fixed-token'] });
  });
  afterEach(async () => {
    await github.close();
  });
  const appClient = (privateKey: KeyObject) => createGitHubClient({ app: { appId: '4242', privateKey: pem(privateKey) }, baseUrl: github.url, retries: 0, secondaryRateLimitRetries: 0, delayUnitMs: 1 });
  /** An RS256 JWT with these claims, signed with `key`. */
  const jwt = (claims: Record<string, unknown>, key: KeyObject = appKey.privateKey) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
    return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')}`;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const call = (method: string, path: string, authorization?: string) => fetch(`${github.url}${path}`, { method, headers: authorization ? { Authorization: authorization } : {} });

  it("the product's App client (@octokit/auth-app) looks up the installation, mints a token and calls the REST routes with it", async () => {
    const prs = appClient(appKey.privateKey);
    expect(await prs.listOpenByBranch('Codertocat', 'Hello-World', 'task-42-implementation')).toEqual([{ number: fakePullNumber(42), labels: ['task-42', 'ready-for-qa'] }]);
    expect(await prs.removeLabel('Codertocat', 'Hello-World', fakePullNumber(42), 'ready-for-qa')).toBe('removed');
    expect(github.requests.map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status} ${r.auth}`)).toEqual([
      'GET /repos/Codertocat/Hello-World/installation 200 app',
      'POST /app/installations/77/access_tokens 201 app',
      'GET /repos/Codertocat/Hello-World/pulls 200 installation',
      `DELETE /repos/Codertocat/Hello-World/issues/${fakePullNumber(42)}/labels/ready-for-qa 200 installation`,
    ]);
  });

  it('an App client with the wrong key gets 401 at the installation lookup and reaches no other route', async () => {
    const refused = appClient(otherKey.privateKey).listOpenByBranch('Codertocat', 'Hello-World', 'task-42-implementation');
    await expect(refused).rejects.toMatchObject({ name: 'GitHubRequestError', status: 401 });
    expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.auth}`)).toEqual(['GET /repos/Codertocat/Hello-World/installation 401 refused']);
  });

  it('the App routes take only a valid App JWT: signed by its key, iss = App ID, issued in the past, expiring within 10 minutes', async () => {
    const claims = { iat: now() - 30, exp: now() + 540, iss: 4242 };
    expect((await call('GET', '/repos/o/r/installation', `Bearer ${jwt(claims)}`)).status).toBe(200);
    expect((await call('GET', '/repos/o/r/installation', `bearer ${jwt({ ...claims, iss: '4242' })}`)).status).toBe(200);
    const refusals = [
      jwt(claims, otherKey.privateKey),
      jwt({ ...claims, iss: 4243 }),
      jwt({ ...claims, iat: now() + 120 }),
      jwt({ ...claims, exp: now() - 1 }),
      jwt({ ...claims, exp: now() + 3600 }),
      'not-a-jwt',
    ];
    for (const token of refusals) expect((await call('GET', '/repos/o/r/installation', `Bearer ${token}`)).status, token).toBe(401);
    expect((await call('GET', '/repos/o/r/installation', 'token fixed-token')).status).toBe(401);
    expect((await call('GET', '/repos/o/r/installation')).status).toBe(401);
    expect((await call('POST', '/app/installations/77/access_tokens', `Bearer ${jwt(claims, otherKey.privateKey)}`)).status).toBe(401);
    expect((await call('POST', '/app/installations/78/access_tokens', `Bearer ${jwt(claims)}`)).status).toBe(404);
  });

  it('the REST routes take a minted installation token or a fixed token; an unknown one is 401 Bad credentials', async () => {
    const minted = await call('POST', '/app/installations/77/access_tokens', `Bearer ${jwt({ iat: now() - 30, exp: now() + 540, iss: 4242 })}`);
    expect(minted.status).toBe(201);
    const { token, expires_at } = (await minted.json()) as { token: string; expires_at: string };
    expect(Date.parse(expires_at)).toBeGreaterThan(Date.now());
    const pulls = '/repos/o/r/pulls?head=o:task-1-x';
    expect((await call('GET', pulls, `token ${token}`)).status).toBe(200);
    expect((await call('GET', pulls, `Bearer ${token}`)).status).toBe(200);
    expect((await call('GET', pulls, 'token fixed-token')).status).toBe(200);
    const wrong = await call('GET', pulls, 'token ghs_unknown');
    expect([wrong.status, ((await wrong.json()) as { message: string }).message]).toEqual([401, 'Bad credentials']);
    expect((await call('GET', pulls, `Bearer ${jwt({ iat: now() - 30, exp: now() + 540, iss: 4242 })}`)).status).toBe(401);
  });

  it('without an App the App routes are 404; with clients set, other source addresses are cut off', async () => {
    const plain = await startFakeGitHub();
    const guarded = await startFakeGitHub({ clients: blockListOf('10.244.0.0', 24) });
    try {
      expect((await fetch(`${plain.url}/repos/o/r/installation`)).status).toBe(404);
      await expect(fetch(`${guarded.url}/repos/o/r/pulls`)).rejects.toThrow();
      expect(guarded.requests).toEqual([]);
    } finally {
      await plain.close();
      await guarded.close();
    }
  });
});

function blockListOf(network: string, prefix: number): BlockList {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv4');
  return list;
}
