import { describe, expect, it } from 'vitest';
import { deployObjects, parseDeployArgs } from '../../dev/scripts/deploy';

describe('deploy', () => {
  it('sends only the named function\'s objects, RBAC before the Service', () => {
    const objects = deployObjects(parseDeployArgs(['rex-push', '--image', 'registry.local/handoff:1']));
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'ServiceAccount/handoff-rex-push',
      'Role/handoff-rex-push',
      'RoleBinding/handoff-rex-push',
      'Service/rex-push',
    ]);
    expect((objects[3] as any).spec.template.spec.containers[0].image).toBe('registry.local/handoff:1');
  });

  it('deploys all functions, and with --manifests the Argo objects too, never the agent platform\'s CodeRun CRD', () => {
    expect(deployObjects(parseDeployArgs(['all'])).filter((o) => o.kind === 'Service')).toHaveLength(4);
    const objects = deployObjects(parseDeployArgs(['pr-opened', '--manifests', '--namespace', 'ci']));
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['EventSource', 'Sensor', 'WorkflowTemplate']));
    expect(objects.map((o) => o.kind)).not.toContain('CustomResourceDefinition');
    expect(objects.every((o) => o.metadata?.namespace === 'ci')).toBe(true);
  });

  it('rejects an unknown function with the usage', () => {
    expect(() => parseDeployArgs(['nope'])).toThrow(/usage: npm run deploy -- <pr-opened\|/);
    expect(() => parseDeployArgs([])).toThrow(/usage/);
  });
});

describe('deploy against an apiserver', () => {
  /** A minimal apiserver: discovery for the kinds a deploy sends, and each server-side apply body recorded. */
  async function fakeApiServer() {
    const { createServer } = await import('node:http');
    const applied: { path: string; contentType?: string; body: any }[] = [];
    const resources: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
      '/api/v1': [{ name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }, { name: 'services', kind: 'Service', namespaced: true }],
      '/apis/rbac.authorization.k8s.io/v1': [{ name: 'roles', kind: 'Role', namespaced: true }, { name: 'rolebindings', kind: 'RoleBinding', namespaced: true }],
      '/apis/serving.knative.dev/v1': [{ name: 'services', kind: 'Service', namespaced: true }],
    };
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0]!;
        res.setHeader('Content-Type', 'application/json');
        if (req.method === 'GET' && resources[path]) return res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: path.replace(/^\/apis?\//, ''), resources: resources[path] }));
        if (req.method === 'PATCH') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          applied.push({ path, contentType: req.headers['content-type'], body });
          return res.end(JSON.stringify({ ...body, metadata: { ...body.metadata, resourceVersion: String(applied.length) } }));
        }
        res.statusCode = 404;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return { applied, url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('sends the Knative Service whole: its spec.template (the new image) is not dropped as a core Service would be', async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const { deploy } = await import('../../dev/scripts/deploy');
    const api = await fakeApiServer();
    try {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: api.url, skipTLSVerify: true }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
      await deploy(parseDeployArgs(['rex-push', '--image', 'registry.local/handoff:2', '--namespace', 'ci']), kubeConfig, () => {});
      const ksvc = api.applied.find((a) => a.path === '/apis/serving.knative.dev/v1/namespaces/ci/services/rex-push');
      expect(ksvc?.contentType).toBe('application/apply-patch+yaml');
      expect(ksvc?.body).toEqual(JSON.parse(JSON.stringify(deployObjects(parseDeployArgs(['rex-push', '--image', 'registry.local/handoff:2', '--namespace', 'ci'])).find((o) => o.kind === 'Service'))));
      expect(ksvc?.body.spec.template.spec.containers[0].image).toBe('registry.local/handoff:2');
    } finally {
      await api.close();
    }
  });
});
