// Helpers for the tests of the functions as Knative Services: requests through the ingress (the
// Traefik Service Knative's Route points at, reached at its ClusterIP with the route's host, as a
// client in the cluster reaches `<function>.<namespace>.svc.cluster.local`), and the Knative objects'
// state as the tests read it.
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { defaultAddress } from '../../../harness/image/containerd';
import { ensureFunctionImage } from '../../../harness/image/function-image';
import { loadImage } from '../../../harness/image/load-image';
import type { KubeObject, KubeRest } from '../../../harness/kube-rest';
import { loadBuildManifests, objectsOf } from '../../../harness/manifests';
import { eventually, kube, stack } from '../support';

export const functions = ['pr-opened', 'labeled-ready-for-qa', 'approved', 'rex-push'] as const;

async function apply(object: KubeObject): Promise<void> {
  const res = await kube().apply(object);
  if (res.status >= 300) throw new Error(`apply ${object.kind}/${object.metadata.name}: ${res.status} ${res.text}`);
}

/**
 * The image built from the shipped Dockerfile, loaded into the node's containerd, and knative/<function>.yaml
 * as generated with that image (ServiceAccounts, Roles, Knative Services) applied through Knative's webhooks;
 * resolves when the four Services are Ready. Idempotent: an unchanged Service makes no new Revision.
 */
export async function deployFunctionServices(): Promise<{ image: string; objects: KubeObject[] }> {
  const built = await ensureFunctionImage((line) => console.log(`[image] ${line}`));
  await loadImage(defaultAddress, built);
  // The GitHub App Secret the Services reference (pr-opened and rex-push call GitHub).
  const existing = await kube().call('GET', `/api/v1/namespaces/${ns()}/secrets/handoff-github`);
  if (existing.status === 404) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'handoff-github', namespace: ns() }, stringData: { 'app-id': '1', 'private-key': privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() } });
  }
  const files = (await loadBuildManifests())({ namespace: ns(), image: built.name });
  const objects = objectsOf(files, (f) => f.path.startsWith('knative/') && f.path !== 'knative/function-write-policy.yaml');
  // Through Knative's defaulting and validation webhooks (failurePolicy Fail): a rejection throws here.
  for (const object of objects) await apply(object);
  await eventually('the four Knative Services Ready', async () => {
    const states = await Promise.all(functions.map((fn) => knativeService(fn)));
    return states.every(isReady) ? true : undefined;
  }, 300_000);
  return { image: built.name, objects };
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface KnativeServiceStatus {
  metadata: { name: string; generation?: number };
  spec: { template: { spec: { containers: { image: string }[] } } };
  status?: { url?: string; observedGeneration?: number; latestReadyRevisionName?: string; latestCreatedRevisionName?: string; conditions?: Condition[]; traffic?: { revisionName: string; percent: number }[] };
}

export const ns = () => stack().namespace;

export async function knativeService(name: string, rest: KubeRest = kube()): Promise<KnativeServiceStatus> {
  const res = await rest.call<KnativeServiceStatus>('GET', `/apis/serving.knative.dev/v1/namespaces/${ns()}/services/${name}`);
  if (res.status !== 200) throw new Error(`GET ksvc ${name}: ${res.status} ${res.text}`);
  return res.body;
}

/** Ready for its latest generation (the Route serves the latest ready Revision). */
export function isReady(ksvc: KnativeServiceStatus): boolean {
  return ksvc.status?.observedGeneration === ksvc.metadata.generation && ksvc.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** The ingress address a cluster-local route resolves to (its DomainInternal Service's ClusterIP). */
export async function ingressAddress(rest: KubeRest = kube()): Promise<string> {
  const ingress = stack().knative!.ingress;
  const res = await rest.call<{ spec: { clusterIP: string } }>('GET', `/api/v1/namespaces/${ingress.namespace}/services/${ingress.privateService}`);
  if (res.status !== 200) throw new Error(`GET ingress Service: ${res.status} ${res.text}`);
  return res.body.spec.clusterIP;
}

export interface IngressResponse {
  status: number;
  body: string;
}

/** A POST to http://<host>/ through the ingress at `address` (Host header = the route's host). */
export function postThroughIngress(address: string, host: string, headers: Record<string, string>, body: string, timeoutMs = 120_000): Promise<IngressResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port: 80, path: '/', method: 'POST', headers: { ...headers, Host: host, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST through the ingress to ${host} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A Sensor's HTTP trigger request body and headers (the event in `body`, GitHub's headers in `headers`). */
export function sensorRequest(token: string, event: string, payload: object, delivery: string): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ headers: { 'X-Github-Event': [event], 'X-Github-Delivery': [delivery] }, body: { ...payload, 'X-GitHub-Event': event, 'X-GitHub-Delivery': delivery } }),
  };
}

export interface PodObject {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { serviceAccountName?: string; containers: { name: string; image: string; securityContext?: Record<string, unknown> }[] };
  status?: { phase?: string; podIP?: string; containerStatuses?: { name: string; ready: boolean; containerID?: string }[] };
}

/** The function's pods (any Revision), as Knative labels them. */
export async function functionPods(fn: string, rest: KubeRest = kube()): Promise<PodObject[]> {
  const res = await rest.call<{ items: PodObject[] }>('GET', `/api/v1/namespaces/${ns()}/pods?labelSelector=${encodeURIComponent(`serving.knative.dev/service=${fn}`)}`);
  if (res.status !== 200) throw new Error(`list pods of ${fn}: ${res.status} ${res.text}`);
  return res.body.items;
}

/** Running and not being deleted. */
export const live = (pods: PodObject[]) => pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
