/** createGitHubClient: credentials it insists on, and GitHub App authentication (installation per repository). */
import { generateKeyPairSync, verify } from 'node:crypto';
import nock from 'nock';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../shared/github/client';
import { GitHubRequestError } from '../../../shared/github/types';
import { API, guardNetwork, pull, testClient } from './helpers';

guardNetwork();

const APP_ID = '123456';
// GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY"); auth-app converts them on Node.
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** True when the header is `bearer <JWT>` signed RS256 by our App key, issued by APP_ID, living at most 10 minutes. */
function isAppJwt(header: string): boolean {
  const match = /^bearer (.+)\.(.+)\.(.+)$/i.exec(header);
  if (!match) return false;
  const [, head, body, signature] = match as unknown as [string, string, string, string];
  const alg = JSON.parse(Buffer.from(head, 'base64url').toString()).alg;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  const signed = verify('RSA-SHA256', Buffer.from(`${head}.${body}`), publicKey, Buffer.from(signature, 'base64url'));
  return alg === 'RS256' && signed && String(claims.iss) === APP_ID && claims.exp - claims.iat <= 600;
}

function appClient(baseUrl = API) {
  return testClient({ token: undefined, app: { appId: APP_ID, privateKey }, baseUrl });
}

function tokenBody(token: string) {
  return {
    token,
    expires_at: new Date(Date.now() + 3600_000).toISOString(),
    permissions: { pull_requests: 'write', issues: 'write' },
    repository_selection: 'all',
  };
}

const QUERY = { head: 'acme:task-7-rex', state: 'open', per_page: '100' };

describe('createGitHubClient', () => {
  it('refuses to build a client without credentials (never unauthenticated)', () => {
    expect(() => createGitHubClient({})).toThrow(/needs a token .*GitHub App.*never calls GitHub unauthenticated/);
    expect(() => createGitHubClient({ token: '' })).toThrow(/never calls GitHub unauthenticated/);
    expect(() => createGitHubClient({ app: { appId: '1', privateKey: '' } })).toThrow(/appId and privateKey/);
  });

  it('accepts a pino logger', () => {
    expect(() => createGitHubClient({ token: 't', log: pino({ level: 'silent' }) })).not.toThrow();
  });
});

describe('GitHub App authentication', () => {
  it('looks up the installation per repository with the App JWT, mints one installation token, and reuses both', async () => {
    const app = nock(API)
      .matchHeader('authorization', isAppJwt)
      .get('/repos/acme/shop/installation').once().reply(200, { id: 42, account: { login: 'acme' } })
      .post('/app/installations/42/access_tokens').once().reply(201, tokenBody('ghs_installation_42'))
      .get('/repos/acme/other/installation').once().reply(200, { id: 42, account: { login: 'acme' } });
    const installation = nock(API, { reqheaders: { authorization: 'token ghs_installation_42' } })
      .get('/repos/acme/shop/pulls').query(QUERY).reply(200, [pull(12, 'task-7-rex', ['ready-for-qa'])])
      .delete('/repos/acme/shop/issues/12/labels/ready-for-qa').reply(200, [])
      .get('/repos/acme/other/pulls').query(QUERY).reply(200, []);
    const { client, calls } = appClient();

    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 12, labels: ['ready-for-qa'] }]);
    await expect(client.removeLabel('acme', 'shop', 12, 'ready-for-qa')).resolves.toBe('removed');
    // Another repository of the same installation: one more lookup, no new token.
    await expect(client.listOpenByBranch('acme', 'other', 'task-7-rex')).resolves.toEqual([]);

    expect(app.isDone()).toBe(true);
    expect(installation.isDone()).toBe(true);
    // guardNetwork fails the test on any further /installation or /access_tokens request.
    expect(calls.map((c) => c.route)).toEqual([
      'GET /repos/{owner}/{repo}/installation',
      'GET /repos/{owner}/{repo}/pulls',
      'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
      'GET /repos/{owner}/{repo}/installation',
      'GET /repos/{owner}/{repo}/pulls',
    ]);
  });

  it('shares one lookup between concurrent calls for the same repository', async () => {
    nock(API)
      .get('/repos/acme/shop/installation').once().reply(200, { id: 7 })
      .post('/app/installations/7/access_tokens').once().reply(201, tokenBody('ghs_7'))
      .get('/repos/acme/shop/pulls').query(QUERY).times(2).reply(200, []);
    const { client } = appClient();
    await Promise.all([client.listOpenByBranch('acme', 'shop', 'task-7-rex'), client.listOpenByBranch('acme', 'shop', 'task-7-rex')]);
  });

  it('reports an App that is not installed on the repository, and looks again next time', async () => {
    nock(API)
      .get('/repos/acme/shop/installation').twice().reply(404, { message: 'Not Found' });
    const { client } = appClient();

    for (let i = 0; i < 2; i++) {
      const error = await client.listOpenByBranch('acme', 'shop', 'task-7-rex').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitHubRequestError);
      expect(error).toMatchObject({ status: 404, message: `the GitHub App ${APP_ID} is not installed on acme/shop (404 from GET /repos/{owner}/{repo}/installation)` });
    }
  });

  it('forgets an installation whose token can no longer be minted (App reinstalled)', async () => {
    nock(API)
      .get('/repos/acme/shop/installation').once().reply(200, { id: 42 })
      .post('/app/installations/42/access_tokens').once().reply(404, { message: 'Not Found' })
      .get('/repos/acme/shop/installation').once().reply(200, { id: 43 })
      .post('/app/installations/43/access_tokens').once().reply(201, tokenBody('ghs_43'));
    nock(API, { reqheaders: { authorization: 'token ghs_43' } })
      .delete('/repos/acme/shop/issues/12/labels/ready-for-qa').reply(404, { message: 'Label does not exist' });
    const { client } = appClient();

    const error = await client.removeLabel('acme', 'shop', 12, 'ready-for-qa').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRequestError); // a 404 from the token mint is not "label absent"
    await expect(client.removeLabel('acme', 'shop', 12, 'ready-for-qa')).resolves.toBe('absent');
  });

  it('retries a 5xx while minting the installation token', async () => {
    nock(API)
      .get('/repos/acme/shop/installation').once().reply(200, { id: 5 })
      .post('/app/installations/5/access_tokens').once().reply(502, { message: 'Bad Gateway' })
      .post('/app/installations/5/access_tokens').once().reply(201, tokenBody('ghs_5'));
    nock(API, { reqheaders: { authorization: 'token ghs_5' } })
      .get('/repos/acme/shop/pulls').query(QUERY).reply(200, []);
    await expect(appClient().client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([]);
  });

  it('uses the GHES base URL for the lookup, the token and the call', async () => {
    nock('https://ghe.example.com')
      .matchHeader('authorization', isAppJwt)
      .get('/api/v3/repos/acme/shop/installation').reply(200, { id: 9 })
      .post('/api/v3/app/installations/9/access_tokens').reply(201, tokenBody('ghs_9'));
    nock('https://ghe.example.com', { reqheaders: { authorization: 'token ghs_9' } })
      .get('/api/v3/repos/acme/shop/pulls').query(QUERY).reply(200, [pull(3, 'task-7-rex')]);
    const { client } = appClient('https://ghe.example.com/api/v3');
    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 3, labels: [] }]);
  });
});
