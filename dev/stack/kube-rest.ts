// A minimal Kubernetes REST client for the local stack (bearer token, the apiserver's own CA).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface KubeRestOptions {
  server: string;
  token: string;
  ca: string | Buffer;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface KubeRest {
  call<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<KubeResponse<T>>;
  /** Server-side apply (`application/apply-patch+yaml`, JSON is valid YAML). */
  apply<T = any>(object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeResponse<T>>;
  pathOf(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, plural: string): string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Resource plural for the kinds the stack applies (Kubernetes does not derive it). */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('y') && !lower.endsWith('ey')) return lower.slice(0, -1) + 'ies';
  if (lower.endsWith('s')) return lower + 'es';
  return lower + 's';
}

const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ClusterWorkflowTemplate', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ClusterDomainClaim']);

export function createKubeRest(options: KubeRestOptions): KubeRest {
  const call = <T>(method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<KubeResponse<T>>((resolveCall, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        new URL(path, options.server),
        {
          method,
          ca: options.ca,
          // Content-Length always: Node frames no body for DELETE by default (no chunked encoding), and an
          // unframed body would be read as the next request on the kept-alive connection.
          headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/json', ...(payload ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* plain text (e.g. /readyz) */
            }
            resolveCall({ status: res.statusCode ?? 0, body: parsed as T, text });
          });
        },
      );
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  const pathOf = (object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, plural: string) => {
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const ns = clusterScoped.has(object.kind) ? '' : `/namespaces/${object.metadata.namespace ?? 'default'}`;
    return `${base}${ns}/${plural}/${object.metadata.name}`;
  };
  return {
    call,
    pathOf,
    apply(object, applyOptions = {}) {
      const query = `?fieldManager=handoff-harness&force=true${applyOptions.dryRun ? '&dryRun=All' : ''}`;
      return call('PATCH', pathOf(object, pluralOf(object.kind)) + query, object, 'application/apply-patch+yaml');
    },
  };
}

/** A client from a kubeconfig the local stack wrote (JSON: the first cluster, its CA file, a bearer token). */
export function kubeRestFromKubeconfig(file: string): KubeRest {
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority': string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = config.clusters[0]!.cluster;
  return createKubeRest({ server: cluster.server, token: config.users[0]!.user.token, ca: readFileSync(cluster['certificate-authority']) });
}
