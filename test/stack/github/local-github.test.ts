// The local stack's GitHub side: the fake GitHub takes the App credentials the stack hands the Knative
// functions (as the Secret the generated Services name) and the host processes' token, and at the node IP
// answers only this machine and the pods' network.
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../shared/github/client';
import { HOST_FUNCTIONS_GITHUB_TOKEN } from '../../../dev/stack/functions/functions';
import { AGENTS_GITHUB_TOKEN, createLocalGitHubApp, githubAppSecret, githubAppSecretObject, localGitHubClients, startLocalFakeGitHub } from '../../../dev/stack/github/local-github';
import { buildManifests, objectsOf } from '../../../manifests';
import type { FakeGitHub } from '../../fakes/fake-github';

describe('local GitHub', () => {
  let github: FakeGitHub | undefined;
  afterEach(async () => {
    await github?.close();
  });
  const fast = { retries: 0, secondaryRateLimitRetries: 0, delayUnitMs: 1 };

  it("the App's Secret holds what the generated rex-push Service reads, and the fake accepts that App, the host processes' token and the agents' token", async () => {
    const app = createLocalGitHubApp();
    const secret = githubAppSecretObject('argo', app) as unknown as { metadata: { name: string }; stringData: Record<string, string> };
    const rexPush = objectsOf(buildManifests(), (f) => f.path === 'knative/rex-push.yaml').find((o) => o.kind === 'Service')!;
    const spec = JSON.stringify(rexPush.spec);
    expect(secret.metadata.name).toBe(githubAppSecret);
    expect(spec).toContain(`"secretKeyRef":{"name":"${githubAppSecret}","key":"app-id"}`);
    expect(spec).toContain(`"secretName":"${githubAppSecret}","items":[{"key":"private-key","path":"private-key"}]`);

    github = await startLocalFakeGitHub(app);
    const asApp = createGitHubClient({ app: { appId: secret.stringData['app-id']!, privateKey: secret.stringData['private-key']! }, baseUrl: github.url, ...fast });
    expect(await asApp.removeLabel('Codertocat', 'Hello-World', 8, 'ready-for-qa')).toBe('removed');
    const asHost = createGitHubClient({ token: HOST_FUNCTIONS_GITHUB_TOKEN, baseUrl: github.url, ...fast });
    expect(await asHost.removeLabel('Codertocat', 'Hello-World', 8, 'ready-for-qa')).toBe('absent');
    const otherApp = createLocalGitHubApp();
    const wrongKey = createGitHubClient({ app: { appId: app.id, privateKey: otherApp.privateKeyPem }, baseUrl: github.url, ...fast });
    await expect(wrongKey.removeLabel('Codertocat', 'Hello-World', 8, 'ready-for-qa')).rejects.toMatchObject({ status: 401 });
    // Cleo's hand-over (the tests acting for the agents' Apps) puts the label back; anonymous, it would be 401.
    const addLabel = (authorization?: string) => fetch(`${github!.url}/repos/Codertocat/Hello-World/issues/8/labels`, { method: 'POST', headers: authorization ? { Authorization: authorization } : {}, body: JSON.stringify({ labels: ['ready-for-qa'] }) });
    expect((await addLabel()).status).toBe(401);
    expect((await addLabel(`token ${AGENTS_GITHUB_TOKEN}`)).status).toBe(200);
    expect(await asHost.removeLabel('Codertocat', 'Hello-World', 8, 'ready-for-qa')).toBe('removed');
    expect(github.requests.filter((r) => r.method === 'DELETE').map((r) => r.auth)).toEqual(['installation', 'token', 'token']);
  });

  it('at the node IP it answers the node IP, loopback and the pods, no other address', () => {
    const clients = localGitHubClients('192.168.1.20');
    for (const allowed of ['192.168.1.20', '127.0.0.1', '10.244.0.1', '10.244.0.37']) expect(clients.check(allowed, 'ipv4'), allowed).toBe(true);
    for (const refused of ['192.168.1.21', '10.245.0.1', '8.8.8.8']) expect(clients.check(refused, 'ipv4'), refused).toBe(false);
  });
});
