/**
 * KeepAliveKubeConfig against the fake Kubernetes API over HTTPS (mTLS, CA and client certificate read from files
 * as client-node re-reads them per request): sequential calls share one TLS connection where upstream's KubeConfig
 * opens one per request; a rotated client certificate or CA gets a new agent (and the old connection closes); a new
 * bearer token does not, and is sent.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeSelfSignedCert, type TlsFiles } from '../../../dev/stack/control-plane/pki';
import { PR_OPENED } from '../../../shared/declarations';
import { createKubernetesClients } from '../../../shared/kubernetes/client';
import { KubeConfig } from '../../../shared/kubernetes/client-node';
import { KeepAliveKubeConfig, sameValue } from '../../../shared/kubernetes/keep-alive-kube-config';
import { FakeKubeApi } from '../../fakes/fake-kube-api';
import { playWorkflow } from '../../fixtures/workflows';

const work = mkdtempSync(join(tmpdir(), 'handoff-keep-alive-'));
let server: TlsFiles;
let clientA: TlsFiles;
let clientB: TlsFiles;
let otherCa: TlsFiles;
let api: FakeKubeApi;

beforeAll(() => {
  server = writeSelfSignedCert(work, 'fake-apiserver', ['127.0.0.1']);
  clientA = writeSelfSignedCert(work, 'client-a', []);
  clientB = writeSelfSignedCert(work, 'client-b', []);
  otherCa = writeSelfSignedCert(work, 'other-ca', []);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeEach(async () => {
  const pem = (file: string) => readFileSync(file, 'utf8');
  api = await FakeKubeApi.start({ tls: { cert: pem(server.cert), key: pem(server.key), clientCa: pem(clientA.cert) + pem(clientB.cert) } });
});
afterEach(() => api.close());

/** A kubeconfig of files in a fresh folder, as on a Pod: the CA, and a client certificate or a bearer token. */
function kubeConfigFiles(user: { certificate?: TlsFiles; token?: string }) {
  const dir = mkdtempSync(join(work, 'kube-'));
  const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
  copyFileSync(server.cert, files.ca);
  if (user.certificate) {
    copyFileSync(user.certificate.cert, files.cert);
    copyFileSync(user.certificate.key, files.key);
  }
  const text = (token = user.token) =>
    JSON.stringify({
      clusters: [{ name: 'fake', cluster: { server: api.url, 'certificate-authority': files.ca } }],
      users: [{ name: 'handoff', user: user.certificate ? { 'client-certificate': files.cert, 'client-key': files.key } : { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'handoff' } }],
      'current-context': 'fake',
    });
  const load = <T extends KubeConfig>(kubeConfig: T, token?: string): T => {
    kubeConfig.loadFromString(text(token));
    return kubeConfig;
  };
  return { files, load };
}

/** The agent a request would be sent with. */
async function agentOf(kubeConfig: KubeConfig) {
  const context = new RequestContext(`${api.url}/api/v1`, HttpMethod.GET);
  await kubeConfig.applySecurityAuthentication(context);
  return context.getAgent();
}

/** Task `task`'s play: listed, then resumed from the listed object (list + PUT). */
async function resumeTask(clients: ReturnType<typeof createKubernetesClients>, task: string) {
  const [summary] = await clients.workflows.listForTask(task);
  const { suspendNodes, fromStages, nextStage } = PR_OPENED;
  return clients.workflows.resume({ name: summary!.name, actor: PR_OPENED.name, suspendNodes, fromStages, nextStage, dedupKeys: [`delivery-${task}`], listed: summary!.listed });
}

describe('KeepAliveKubeConfig over HTTPS', () => {
  it('N sequential resumes share one TLS connection; upstream KubeConfig opens one per request', async () => {
    const N = 5;
    for (let task = 1; task <= 2 * N; task += 1) api.put(playWorkflow({ name: `play-${task}`, task: String(task), position: 'wait-pr-created' }));
    const { load } = kubeConfigFiles({ certificate: clientA });
    const run = async (kubeConfig: KubeConfig, tasks: number[]) => {
      const clients = createKubernetesClients({ namespace: 'argo', kubeConfig });
      const [connections, requests] = [api.connections, api.requests.length];
      for (const task of tasks) expect(await resumeTask(clients, String(task))).toMatchObject({ outcome: 'resumed', attempts: 1 });
      return { connections: api.connections - connections, requests: api.requests.length - requests };
    };

    const upstream = await run(load(new KubeConfig()), [1, 2, 3, 4, 5]);
    const kept = await run(load(new KeepAliveKubeConfig()), [6, 7, 8, 9, 10]);
    expect(upstream).toEqual({ connections: 2 * N, requests: 2 * N });
    expect(kept).toEqual({ connections: 1, requests: 2 * N });
    for (const request of api.requests) expect(request).toMatchObject({ clientCertificate: 'client-a', status: 200 });
  });

  it('reuses the agent while the files hold the same bytes; a rotated client certificate gets a new one, and the old connection closes', async () => {
    const { files, load } = kubeConfigFiles({ certificate: clientA });
    const kubeConfig = load(new KeepAliveKubeConfig());
    const clients = createKubernetesClients({ namespace: 'argo', kubeConfig });
    const first = await agentOf(kubeConfig);
    expect(first).toBeInstanceOf(https.Agent);
    expect(await agentOf(kubeConfig)).toBe(first);
    await clients.workflows.listForTask('7');
    await clients.workflows.listForTask('7');
    expect(api.connections).toBe(1);

    copyFileSync(clientB.cert, files.cert);
    copyFileSync(clientB.key, files.key);
    const rotated = await agentOf(kubeConfig);
    expect(rotated).not.toBe(first);
    expect(await agentOf(kubeConfig)).toBe(rotated);
    await clients.workflows.listForTask('7');
    expect(api.requests.map((request) => request.clientCertificate)).toEqual(['client-a', 'client-a', 'client-b']);
    expect(api.connections).toBe(2);
    // The retired agent's idle socket is destroyed: only the new connection stays open.
    await expect.poll(() => api.openConnections).toBe(1);
  });

  it('a changed CA gets a new agent and connection', async () => {
    const { files, load } = kubeConfigFiles({ certificate: clientA });
    const kubeConfig = load(new KeepAliveKubeConfig());
    const clients = createKubernetesClients({ namespace: 'argo', kubeConfig });
    const first = await agentOf(kubeConfig);
    expect(await agentOf(kubeConfig)).toBe(first);
    await clients.workflows.listForTask('7');
    await clients.workflows.listForTask('7');
    expect(api.connections).toBe(1);

    writeFileSync(files.ca, readFileSync(server.cert, 'utf8') + readFileSync(otherCa.cert, 'utf8'));
    expect(await agentOf(kubeConfig)).not.toBe(first);
    await clients.workflows.listForTask('7');
    expect(api.connections).toBe(2);
    expect(api.requests.map((request) => request.status)).toEqual([200, 200, 200]);
  });

  it('a changed bearer token keeps the agent and the connection, and the new token is sent', async () => {
    const { load } = kubeConfigFiles({ token: 'first-token' });
    const kubeConfig = load(new KeepAliveKubeConfig());
    const clients = createKubernetesClients({ namespace: 'argo', kubeConfig });
    await clients.workflows.listForTask('7');
    const first = await agentOf(kubeConfig);

    load(kubeConfig, 'second-token');
    expect(await agentOf(kubeConfig)).toBe(first);
    await clients.workflows.listForTask('7');
    expect(api.requests.map((request) => request.bearerToken)).toEqual(['first-token', 'second-token']);
    expect(api.connections).toBe(1);
  });
});

describe('KeepAliveKubeConfig keeps upstream agents where it does not apply', () => {
  const agents = async (cluster: Record<string, unknown>) => {
    const kubeConfig = new KeepAliveKubeConfig();
    kubeConfig.loadFromOptions({ clusters: [{ name: 'c', ...cluster }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    return [await agentOf(kubeConfig), await agentOf(kubeConfig)];
  };

  it('an http: cluster: a new http.Agent per request, as upstream', async () => {
    const [a, b] = await agents({ server: 'http://127.0.0.1:1', skipTLSVerify: true });
    expect(a).not.toBeInstanceOf(https.Agent);
    expect(a).not.toBe(b);
  });

  it('a proxy cluster: upstream\'s proxy agent per request', async () => {
    const [a, b] = await agents({ server: 'https://127.0.0.1:1', proxyUrl: 'http://127.0.0.1:2' });
    expect(a?.constructor.name).toBe('HttpsProxyAgent');
    expect(a).not.toBe(b);
  });
});

describe('sameValue', () => {
  it('compares Buffers by bytes, arrays and plain objects by members, undefined as absent', () => {
    expect(sameValue({ ca: Buffer.from('x'), cert: undefined }, { ca: Buffer.from('x') })).toBe(true);
    expect(sameValue({ ca: Buffer.from('x') }, { ca: Buffer.from('y') })).toBe(false);
    expect(sameValue({ ca: [Buffer.from('x')] }, { ca: [Buffer.from('x'), Buffer.from('y')] })).toBe(false);
    expect(sameValue({ rejectUnauthorized: false }, { rejectUnauthorized: true })).toBe(false);
    expect(sameValue({ servername: 'a' }, { servername: 'a' })).toBe(true);
    expect(sameValue({ ca: Buffer.from('x') }, { ca: 'x' })).toBe(false);
  });
});
