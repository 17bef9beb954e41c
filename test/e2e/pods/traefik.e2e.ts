// Traefik as a pod on the node (dev/stack/knative/traefik.ts), before Knative Serving is part of the
// stack: it becomes Ready and starts its Knative provider with the in-cluster client; then, once
// the KIngress CRD exists (knative.dev/networking config/ingress.yaml at the commit serving pins,
// applied here alone, not Knative Serving), it picks up a KIngress of its class, marks it ready
// with the DomainInternal of its public and private Services, and routes through those Services'
// ClusterIPs: the public rule only on the public Service, the cluster-local rule only on the private.
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findBinary, moduleDir } from '../../../dev/stack/binaries/binaries';
import { applyCrdObjects, readYamlObjects } from '../../../dev/stack/control-plane/crds';
import { defaultAddress } from '../../../dev/stack/image/containerd';
import { loadTraefikImage, traefikEntrypoints, traefikIngressClass, traefikNamespace, traefikObjects, traefikServiceHost, traefikServices } from '../../../dev/stack/knative/traefik';
import type { KubeObject } from '../../../dev/stack/kube-rest';
import { readComponents } from '../../../dev/stack/binaries/versions';
import { eventually, kube, stack } from '../support';

const ns = traefikNamespace;

interface PodObject {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

async function apply(object: KubeObject): Promise<void> {
  const res = await kube().apply(object);
  expect(res.status, `${object.kind}/${object.metadata.name}: ${res.text}`).toBeLessThan(300);
}

async function traefikPod(): Promise<PodObject | undefined> {
  const res = await kube().call<{ items: PodObject[] }>('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/name=traefik')}`);
  expect(res.status).toBe(200);
  return res.body.items.find((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

async function traefikLog(pod: PodObject): Promise<string> {
  const res = await kube().call<string>('GET', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log?container=traefik`);
  expect(res.status, res.text).toBe(200);
  return res.text;
}

async function clusterIp(service: string): Promise<string> {
  const res = await kube().call<{ spec: { clusterIP: string } }>('GET', `/api/v1/namespaces/${ns}/services/${service}`);
  expect(res.status).toBe(200);
  return res.body.spec.clusterIP;
}

/** GET http://<ip>/ping with a Host header (fetch does not let one set Host). */
function getWithHost(ip: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: ip, port: 80, path: '/ping', headers: { Host: host }, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${ip} Host ${host} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The KIngress CRD as Knative Serving gets it: from the knative.dev/networking module serving's go.mod pins. */
function kingressCrd(): KubeObject {
  const serving = readComponents()['knative-serving'];
  const goMod = readFileSync(join(moduleDir(serving.module, serving.version), 'go.mod'), 'utf8');
  const version = /^\s*knative\.dev\/networking (\S+)/m.exec(goMod)?.[1];
  if (!version) throw new Error(`no knative.dev/networking in ${serving.module} ${serving.version} go.mod`);
  const [crd] = readYamlObjects(join(moduleDir('knative.dev/networking', version), 'config', 'ingress.yaml')).filter((o) => o.kind === 'CustomResourceDefinition');
  if (!crd) throw new Error(`no CRD in knative.dev/networking ${version} config/ingress.yaml`);
  return crd;
}

const publicHost = 'hello.example.test';
const privateHost = 'hello.traefik.svc.cluster.local';

describe.skipIf(!stack().node)('Traefik with its Knative provider as a pod on the node', () => {
  let pod: PodObject;

  beforeAll(async () => {
    const binary = findBinary('traefik');
    if (!binary) throw new Error('traefik is not built (npm run binaries -- traefik)');
    await loadTraefikImage(defaultAddress, binary, join(stack().logDir, 'traefik-image.log'), (line) => console.log(`[traefik] ${line}`));
    for (const object of traefikObjects({ logLevel: 'DEBUG' })) await apply(object);
    pod = await eventually('the Traefik pod Ready', traefikPod, 120_000);
  });

  it('starts the Knative provider with the in-cluster client of its ServiceAccount', async () => {
    const log = await eventually('the provider starting', async () => {
      const text = await traefikLog(pod);
      return text.includes('Creating in-cluster Provider client') ? text : undefined;
    });
    // What it does before any KIngress CRD exists: shown for the report, not asserted.
    console.log(`[traefik] log before the KIngress CRD:\n${log.split('\n').slice(0, 60).join('\n')}`);
    expect(log).toMatch(/Starting provider \*knative\.Provider/);
    expect(log).toMatch(/Creating in-cluster Provider client.*providerName=knative/);
    // Its RBAC at start: the lines until its first KIngress status write. Later lines may show the apiserver's
    // own restarts (faults.e2e.ts kills it; RBAC answers "not found" until its informers sync again).
    const firstWrite = log.search(/Updated status on knative ingress/);
    expect(firstWrite === -1 ? log : log.slice(0, firstWrite)).not.toMatch(/forbidden/i);
  });

  it('marks a KIngress of its class ready with its Services as load balancers and routes each rule only on its own entrypoint', async () => {
    await applyCrdObjects(kube(), [kingressCrd()], 60_000);
    // The backend: Traefik's own ping entrypoint behind a ClusterIP Service (answers "OK" on /ping).
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'traefik-ping-e2e', namespace: ns }, spec: { selector: { 'app.kubernetes.io/name': 'traefik' }, ports: [{ name: 'http', port: 9000, targetPort: traefikEntrypoints.traefik }] } });
    const split = { serviceName: 'traefik-ping-e2e', serviceNamespace: ns, servicePort: 9000, percent: 100 };
    await apply({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      metadata: { name: 'hello', namespace: ns, annotations: { 'networking.knative.dev/ingress.class': traefikIngressClass } },
      spec: {
        httpOption: 'Enabled',
        rules: [
          { hosts: [publicHost], visibility: 'ExternalIP', http: { paths: [{ splits: [split] }] } },
          { hosts: [privateHost], visibility: 'ClusterLocal', http: { paths: [{ splits: [split] }] } },
        ],
      },
    });
    // Another class: left alone (kubernetes.go loadConfiguration skips it).
    await apply({
      apiVersion: 'networking.internal.knative.dev/v1alpha1',
      kind: 'Ingress',
      metadata: { name: 'not-ours', namespace: ns, annotations: { 'networking.knative.dev/ingress.class': 'istio.ingress.networking.knative.dev' } },
      spec: { rules: [{ hosts: ['other.example.test'], visibility: 'ExternalIP', http: { paths: [{ splits: [split] }] } }] },
    });

    type KIngress = { metadata: { generation: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[]; publicLoadBalancer?: { ingress?: { domainInternal?: string }[] }; privateLoadBalancer?: { ingress?: { domainInternal?: string }[] } } };
    const kingress = (name: string) => kube().call<KIngress>('GET', `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${ns}/ingresses/${name}`);
    const ready = await eventually('the KIngress Ready', async () => {
      const res = await kingress('hello');
      return res.body.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? res.body : undefined;
    }, 60_000);
    expect(ready.status!.observedGeneration).toBe(ready.metadata.generation);
    for (const type of ['NetworkConfigured', 'LoadBalancerReady']) expect(ready.status!.conditions).toContainEqual(expect.objectContaining({ type, status: 'True' }));
    expect(ready.status!.publicLoadBalancer!.ingress).toEqual([{ domainInternal: traefikServiceHost('public') }]);
    expect(ready.status!.privateLoadBalancer!.ingress).toEqual([{ domainInternal: traefikServiceHost('private') }]);
    expect((await kingress('not-ours')).body.status?.conditions ?? []).toEqual([]);

    const publicIp = await clusterIp(traefikServices.public);
    const privateIp = await clusterIp(traefikServices.private);
    await eventually('the public rule served on the public Service', async () => {
      const res = await getWithHost(publicIp, publicHost);
      return res.status === 200 ? res : undefined;
    }, 30_000).then((res) => expect(res.body).toBe('OK'));
    expect((await getWithHost(privateIp, privateHost)).body).toBe('OK');
    expect((await getWithHost(publicIp, privateHost)).status).toBe(404);
    expect((await getWithHost(privateIp, publicHost)).status).toBe(404);
    expect((await getWithHost(publicIp, 'other.example.test')).status).toBe(404);
  });
});
