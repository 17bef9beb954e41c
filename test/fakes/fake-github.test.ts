// The harness's fake GitHub behaves like GitHub where the functions depend on it: checked with the
// product's own GitHub client (shared/github), plus the fault modes the e2e tests inject.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakePullNumber, startFakeGitHub, type FakeGitHub } from './fake-github';
import { createGitHubClient } from '../../shared/github/client';

describe('harness fake GitHub', () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub();
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

    const added = await fetch(`${github.url}/repos/Codertocat/Hello-World/issues/${fakePullNumber(42)}/labels`, { method: 'POST', body: JSON.stringify({ labels: ['ready-for-qa'] }) });
    expect(added.status).toBe(200);
    expect((await prs.listOpenByBranch('Codertocat', 'Hello-World', 'task-42-implementation'))[0]?.labels).toEqual(['task-42', 'ready-for-qa']);
    expect(github.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([200, 404]);
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
    const stalled = fetch(`${github.url}/repos/o/r/issues/${fakePullNumber(1)}/labels/ready-for-qa`, { method: 'DELETE' });
    await expect.poll(() => github.requests.filter((r) => r.method === 'DELETE').length).toBe(1);
    expect(github.requests.at(-1)?.status).toBeUndefined();
    github.releaseStalled();
    await expect(stalled).rejects.toThrow();
    github.mode = 'ok';
    const list = (await (await fetch(`${github.url}/repos/o/r/pulls?head=o:task-1-x`)).json()) as { labels: { name: string }[] }[];
    expect(list[0]?.labels.map((l) => l.name)).toEqual(['task-1']); // the stalled removal was applied
  });
});
