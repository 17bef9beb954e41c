import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { GitHubRequestError, GitHubUnavailableError } from '../../../shared/github/types';
import { MAX_LIST_PAGES } from '../../../shared/github/pull-requests';
import { API, guardNetwork, pull, testClient } from './helpers';

guardNetwork();

const PULLS_QUERY = { head: 'acme:task-7-rex', state: 'open', per_page: '100' };

describe('listOpenByBranch', () => {
  it('asks for open PRs with head owner:branch, authenticated with the token', async () => {
    nock(API, { reqheaders: { authorization: 'token ghp_testtoken' } })
      .get('/repos/acme/shop/pulls')
      .query(PULLS_QUERY)
      .reply(200, [pull(12, 'task-7-rex', ['ready-for-qa', 'task-7'])]);
    const { client, calls } = testClient();

    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 12, labels: ['ready-for-qa', 'task-7'] }]);
    expect(calls).toEqual([{ route: 'GET /repos/{owner}/{repo}/pulls', status: 200, durationMs: expect.any(Number) }]);
  });

  it('answers an empty list when the branch has no open PR', async () => {
    nock(API).get('/repos/acme/shop/pulls').query(PULLS_QUERY).reply(200, []);
    await expect(testClient().client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([]);
  });

  it('lists every open PR that shares the head (one branch against several bases), ascending', async () => {
    nock(API)
      .get('/repos/acme/shop/pulls')
      .query(PULLS_QUERY)
      .reply(200, [pull(31, 'task-7-rex'), pull(12, 'task-7-rex', ['ready-for-qa']), pull(20, 'task-7-rex', ['ready-for-qa'])]);
    await expect(testClient().client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([
      { number: 12, labels: ['ready-for-qa'] },
      { number: 20, labels: ['ready-for-qa'] },
      { number: 31, labels: [] },
    ]);
  });

  it('reads every page GitHub links to (Link: rel="next")', async () => {
    const page2 = `${API}/repositories/1/pulls?head=acme%3Atask-7-rex&state=open&per_page=100&page=2`;
    nock(API)
      .get('/repos/acme/shop/pulls')
      .query(PULLS_QUERY)
      .reply(200, [pull(12, 'task-7-rex', ['ready-for-qa'])], { link: `<${page2}>; rel="next", <${page2}>; rel="last"` })
      .get('/repositories/1/pulls')
      .query({ ...PULLS_QUERY, page: '2' })
      .reply(200, [pull(140, 'task-7-rex', ['ready-for-qa', 'task-7'])]);
    const { client, calls } = testClient();
    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([
      { number: 12, labels: ['ready-for-qa'] },
      { number: 140, labels: ['ready-for-qa', 'task-7'] },
    ]);
    expect(calls).toHaveLength(1); // one timed listing, both pages inside it
  });

  it(`stops after ${MAX_LIST_PAGES} pages, however many GitHub links to`, async () => {
    const next = (page: number) => `${API}/repositories/1/pulls?head=acme%3Atask-7-rex&state=open&per_page=100&page=${page}`;
    const scope = nock(API).get('/repos/acme/shop/pulls').query(PULLS_QUERY).reply(200, [pull(1, 'task-7-rex')], { link: `<${next(2)}>; rel="next"` });
    for (let page = 2; page <= MAX_LIST_PAGES; page++) {
      scope.get('/repositories/1/pulls').query({ ...PULLS_QUERY, page: String(page) }).reply(200, [pull(page, 'task-7-rex')], { link: `<${next(page + 1)}>; rel="next"` });
    }
    const { client, log } = testClient();
    const listed = await client.listOpenByBranch('acme', 'shop', 'task-7-rex');
    expect(listed.map((pr) => pr.number)).toEqual(Array.from({ length: MAX_LIST_PAGES }, (_, i) => i + 1));
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ pages: MAX_LIST_PAGES }) }));
  });

  it('ignores PRs of another head, in case GitHub ignored the filter', async () => {
    nock(API)
      .get('/repos/acme/shop/pulls')
      .query(PULLS_QUERY)
      .reply(200, [pull(3, 'task-8-rex'), pull(4, 'task-7-rex', [], 'someone-else'), pull(9, 'task-7-rex', ['x'])]);
    const { client, log } = testClient();

    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 9, labels: ['x'] }]);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ returned: 3, kept: [9] }) }));
  });

  it('matches the owner case-insensitively but the branch exactly', async () => {
    nock(API)
      .get('/repos/Acme/shop/pulls')
      .query({ ...PULLS_QUERY, head: 'Acme:task-7-rex' })
      .reply(200, [pull(5, 'Task-7-rex'), pull(6, 'task-7-rex', [], 'acme')]);
    await expect(testClient().client.listOpenByBranch('Acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 6, labels: [] }]);
  });

  it('uses the GHES base URL (GITHUB_API_URL), trailing slash or not', async () => {
    nock('https://ghe.example.com', { reqheaders: { authorization: 'token ghp_testtoken' } })
      .get('/api/v3/repos/acme/shop/pulls')
      .query(PULLS_QUERY)
      .reply(200, [pull(2, 'task-7-rex')]);
    const { client } = testClient({ baseUrl: 'https://ghe.example.com/api/v3/' });
    await expect(client.listOpenByBranch('acme', 'shop', 'task-7-rex')).resolves.toEqual([{ number: 2, labels: [] }]);
  });

  it('turns a missing repository into GitHubRequestError 404', async () => {
    nock(API).get('/repos/acme/gone/pulls').query(PULLS_QUERY).reply(404, { message: 'Not Found' });
    const error = await testClient().client.listOpenByBranch('acme', 'gone', 'task-7-rex').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRequestError);
    expect(error).toMatchObject({ status: 404, message: expect.stringMatching(/acme\/gone.*404: Not Found/) });
  });

  it('rejects empty arguments before calling GitHub', async () => {
    await expect(testClient().client.listOpenByBranch('acme', 'shop', '')).rejects.toThrow(/branch must be a non-empty string/);
  });
});

describe('removeLabel', () => {
  const labelPath = '/repos/acme/shop/issues/12/labels/ready-for-qa';

  it('answers removed on 200', async () => {
    nock(API, { reqheaders: { authorization: 'token ghp_testtoken' } })
      .delete(labelPath)
      .reply(200, [{ id: 1, name: 'task-7' }]);
    const { client, calls } = testClient();

    await expect(client.removeLabel('acme', 'shop', 12, 'ready-for-qa')).resolves.toBe('removed');
    expect(calls).toEqual([{ route: 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', status: 200, durationMs: expect.any(Number) }]);
  });

  it('answers absent on 404 "Label does not exist", and does not count it as an error', async () => {
    nock(API)
      .delete(labelPath)
      .reply(404, { message: 'Label does not exist', documentation_url: 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue' });
    const { client, calls } = testClient();

    await expect(client.removeLabel('acme', 'shop', 12, 'ready-for-qa')).resolves.toBe('absent');
    expect(calls).toEqual([{ route: 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', status: 404, durationMs: expect.any(Number) }]);
  });

  it('fails on a 404 for a missing issue or repository (not absent)', async () => {
    nock(API).delete(labelPath).reply(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const { client, calls } = testClient();

    const error = await client.removeLabel('acme', 'shop', 12, 'ready-for-qa').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRequestError);
    expect(error).toMatchObject({ status: 404, message: expect.stringContaining('remove label "ready-for-qa" from acme/shop#12') });
    expect(calls).toEqual([expect.objectContaining({ status: 404, error: expect.anything() })]);
  });

  it('survives a metrics hook that throws', async () => {
    nock(API).delete(labelPath).reply(200, []);
    const { client, log } = testClient({ onCall: () => { throw new Error('metrics broke'); } });
    await expect(client.removeLabel('acme', 'shop', 12, 'ready-for-qa')).resolves.toBe('removed');
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'GitHub onCall hook threw' }));
  });

  it('URL-encodes the label name', async () => {
    nock(API).delete('/repos/acme/shop/issues/12/labels/needs%20qa%2Frex%3F').reply(200, []);
    await expect(testClient().client.removeLabel('acme', 'shop', 12, 'needs qa/rex?')).resolves.toBe('removed');
  });

  it('reports a permission refusal as GitHubRequestError 403, without retrying', async () => {
    nock(API).delete(labelPath).once().reply(403, { message: 'Resource not accessible by integration' });
    const error = await testClient().client.removeLabel('acme', 'shop', 12, 'ready-for-qa').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRequestError);
    expect(error).toMatchObject({ status: 403, message: expect.stringContaining('Resource not accessible by integration') });
  });

  it('rejects a bad issue number before calling GitHub', async () => {
    await expect(testClient().client.removeLabel('acme', 'shop', 0, 'ready-for-qa')).rejects.toThrow(/positive integer/);
  });
});

describe('listLabels', () => {
  it('reads every page of the labels of a PR', async () => {
    const page2 = `${API}/repositories/1/issues/12/labels?per_page=100&page=2`;
    nock(API, { reqheaders: { authorization: 'token ghp_testtoken' } })
      .get('/repos/acme/shop/issues/12/labels')
      .query({ per_page: '100' })
      .reply(200, [{ id: 1, name: 'bug' }], { link: `<${page2}>; rel="next"` })
      .get('/repositories/1/issues/12/labels')
      .query({ per_page: '100', page: '2' })
      .reply(200, [{ id: 2, name: 'task-7' }]);
    const { client, calls } = testClient();
    await expect(client.listLabels('acme', 'shop', 12)).resolves.toEqual(['bug', 'task-7']);
    expect(calls).toEqual([{ route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/labels', status: 200, durationMs: expect.any(Number) }]);
  });

  it('turns a 5xx into GitHubUnavailableError (503 upstream) and a missing PR into GitHubNotFoundError', async () => {
    nock(API).get('/repos/acme/shop/issues/12/labels').query({ per_page: '100' }).reply(502, { message: 'Server Error' });
    await expect(testClient({ retries: 0 }).client.listLabels('acme', 'shop', 12)).rejects.toBeInstanceOf(GitHubUnavailableError);
    nock(API).get('/repos/acme/shop/issues/99/labels').query({ per_page: '100' }).reply(404, { message: 'Not Found' });
    await expect(testClient().client.listLabels('acme', 'shop', 99)).rejects.toMatchObject({ name: 'GitHubNotFoundError', status: 404 });
    nock(API).get('/repos/acme/shop/issues/98/labels').query({ per_page: '100' }).reply(403, { message: 'Resource not accessible by integration' });
    await expect(testClient().client.listLabels('acme', 'shop', 98)).rejects.toMatchObject({ name: 'GitHubRequestError', status: 403 });
  });

  it('rejects a bad issue number before calling GitHub', async () => {
    await expect(testClient().client.listLabels('acme', 'shop', 0)).rejects.toThrow(/positive integer/);
  });
});
