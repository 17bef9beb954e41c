// The four functions as Knative Services on the local node: the image built from the shipped
// Dockerfile (dev/stack/image), loaded into the node's containerd, and knative/<function>.yaml as the
// generator emits it for that image and, as GITHUB_API_URL, the stack's fake GitHub (ServiceAccounts,
// Roles, Knative Services), applied through Knative's webhooks. Used by the stack (npm start, the e2e global setup) and the Knative tests.
import { request } from 'node:http';
import type { FunctionName } from '../../../shared/function-declaration';
import { functionNames } from '../functions/functions';
import { ensureFunctionImage } from '../image/function-image';
import { ensureHostPackages } from '../image/host-packages';
import { loadImage } from '../image/load-image';
import type { KubeObject, KubeRest } from '../kube-rest';
import { buildManifests, objectsOf } from '../../../manifests';
import { githubAppSecret } from '../github/local-github';

export { githubAppSecret };

export interface FunctionServicesOptions {
  rest: KubeRest;
  namespace: string;
  /** The node's containerd socket (dev/stack/node). */
  containerdAddress: string;
  /** The functions' GITHUB_API_URL (the manifest option githubApiUrl): the local stack's fake GitHub. Default unset. */
  githubApiUrl?: string;
  /** How long to wait for the four Services to be Ready. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface FunctionService {
  /** The Route's URL as Knative reports it (cluster-local: http://<name>.<namespace>.svc.cluster.local). */
  url: string;
  /** Its host: what the ingress routes on (the Host header through the ingress). */
  host: string;
}

export interface FunctionServices {
  image: string;
  objects: KubeObject[];
  services: Record<FunctionName, FunctionService>;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface KnativeServiceState {
  metadata: { name: string; generation?: number };
  spec: { template: { spec: { containers: { image: string }[] } } };
  status?: {
    url?: string;
    observedGeneration?: number;
    latestReadyRevisionName?: string;
    latestCreatedRevisionName?: string;
    conditions?: Condition[];
    traffic?: { revisionName: string; percent: number }[];
  };
}

export async function readKnativeService(rest: KubeRest, namespace: string, name: string): Promise<KnativeServiceState> {
  const res = await rest.call<KnativeServiceState>('GET', `/apis/serving.knative.dev/v1/namespaces/${namespace}/services/${name}`);
  if (res.status !== 200) throw new Error(`GET ksvc ${name}: ${res.status} ${res.text}`);
  return res.body;
}

/** Ready for its latest generation (the Route serves the latest ready Revision). */
export function isServiceReady(ksvc: KnativeServiceState): boolean {
  return ksvc.status?.observedGeneration === ksvc.metadata.generation && ksvc.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

async function apply(rest: KubeRest, object: KubeObject): Promise<void> {
  const res = await rest.apply(object);
  if (res.status >= 300) throw new Error(`apply ${object.kind}/${object.metadata.name}: ${res.status} ${res.text}`);
}

/**
 * Builds (or reuses) the image, loads it, applies the four functions' objects and resolves when every
 * Service is Ready. Idempotent: an unchanged Service makes no new Revision.
 */
export async function deployFunctionServices(options: FunctionServicesOptions): Promise<FunctionServices> {
  const { rest, namespace } = options;
  const log = options.log ?? (() => {});
  ensureHostPackages(['mmdebstrap', 'buildah'], log);
  const built = await ensureFunctionImage((line) => log(`image: ${line}`));
  await loadImage(options.containerdAddress, built);
  // The GitHub App's Secret the Services mount: the stack makes it with a key its fake GitHub knows (dev/stack/github/local-github.ts).
  const secret = await rest.call('GET', `/api/v1/namespaces/${namespace}/secrets/${githubAppSecret}`);
  if (secret.status !== 200) throw new Error(`the Secret ${githubAppSecret} (the functions' GitHub App) must exist before the Services: GET ${secret.status} ${secret.text}`);
  const files = buildManifests({ namespace, image: built.name, ...(options.githubApiUrl ? { githubApiUrl: options.githubApiUrl } : {}) });
  // The write policy is cluster-scoped and the stack applies it with the identities.
  const objects = objectsOf(files, (f) => f.path.startsWith('knative/') && f.path !== 'knative/function-write-policy.yaml');
  // Through Knative's defaulting and validation webhooks (failurePolicy Fail): a rejection throws here.
  for (const object of objects) await apply(rest, object);
  const timeoutMs = options.readyTimeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(functionNames.map((name) => readKnativeService(rest, namespace, name)));
    if (states.every(isServiceReady)) {
      const services = Object.fromEntries(
        states.map((ksvc) => {
          const url = ksvc.status!.url!;
          return [ksvc.metadata.name, { url, host: new URL(url).host }];
        }),
      ) as Record<FunctionName, FunctionService>;
      log(`Knative Services Ready with ${built.name}: ${functionNames.map((name) => `${name} ${services[name].url}`).join(', ')}`);
      return { image: built.name, objects, services };
    }
    if (Date.now() > deadline) {
      const waiting = states.filter((s) => !isServiceReady(s)).map((s) => `${s.metadata.name}: ${JSON.stringify(s.status?.conditions ?? [])}`);
      throw new Error(`the Knative Services were not Ready after ${timeoutMs / 1000} s: ${waiting.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The ingress address a cluster-local route resolves to (the ClusterIP of its private Service). */
export async function ingressAddress(rest: KubeRest, ingress: { namespace: string; privateService: string }): Promise<string> {
  const res = await rest.call<{ spec: { clusterIP: string } }>('GET', `/api/v1/namespaces/${ingress.namespace}/services/${ingress.privateService}`);
  if (res.status !== 200) throw new Error(`GET ingress Service: ${res.status} ${res.text}`);
  return res.body.spec.clusterIP;
}

export interface IngressResponse {
  status: number;
  body: string;
}

/**
 * A POST to http://<host>/ through the ingress at `address` (its ClusterIP, reachable from the node
 * through kube-proxy), with Host set to the route's host, as a client in the cluster reaches
 * `<function>.<namespace>.svc.cluster.local` (an ExternalName to the ingress).
 */
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

/** A Sensor's HTTP trigger request (the event in `body`, GitHub's headers in `headers`, the trigger token as Bearer). */
export function sensorRequest(token: string, event: string, payload: object, delivery: string): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ headers: { 'X-Github-Event': [event], 'X-Github-Delivery': [delivery] }, body: { ...payload, 'X-GitHub-Event': event, 'X-GitHub-Delivery': delivery } }),
  };
}
