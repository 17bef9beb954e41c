/**
 * A small in-process Kubernetes API for tests: namespaced custom objects with
 * resourceVersion semantics (409 on a stale PUT), uids (409 on a DELETE whose uid precondition fails), label selectors, 404s as real
 * Status objects, and fault injection. The real @kubernetes/client-node talks to it.
 *
 *   const api = await FakeKubeApi.start();
 *   api.put(workflow);                       // seed (argoproj.io/v1alpha1 workflows by default)
 *   api.put(secret, 'secrets', '');          // core objects: group ''; POST creates, Secrets' stringData is encoded
 *   createKubernetesClients({ namespace: 'argo', kubeConfig: api.kubeConfig() });
 *   api.failNext(2, 503);                    // the next two requests answer 503
 *   api.beforeUpdate = (obj) => { ... };     // runs between a PUT's arrival and its check (make it race)
 *   await api.close();
 *
 * Over HTTPS with `FakeKubeApi.start({ tls: { cert, key, clientCa } })`: each request records the bearer
 * token and the verified client certificate it came with (the fake authorizes nothing; tests check who called).
 * `connections` counts the connections accepted (over HTTPS: completed TLS handshakes), `openConnections` those
 * not closed yet: a client that reuses its connections makes few.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

type KubeObject = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; [key: string]: unknown }; [key: string]: unknown };

/** `/apis/<group>/<version>/namespaces/…` and the core group's `/api/v1/namespaces/…` (group ''). */
const PATH = /^\/(?:apis\/([^/]+)|api)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly labelSelector?: string;
  /** The Authorization header's bearer token, when it had one. */
  readonly bearerToken?: string;
  /** The common name of the client certificate, when one was presented and verified against `clientCa`. */
  readonly clientCertificate?: string;
  /** The status answered (unset while the request is in flight, or when its connection was dropped). */
  readonly status?: number;
}

export interface FakeKubeApiTls {
  /** The server's certificate and key (PEM); the certificate must name 127.0.0.1. */
  readonly cert: string;
  readonly key: string;
  /** Client certificates issued by these (PEM) are verified and recorded; a request without one is served too. */
  readonly clientCa?: string;
}

/** The part of the apiserver's GET /api/v1 (an APIResourceList) the clients here look up. */
const CORE_V1_RESOURCES = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
    { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
  ],
};

export class FakeKubeApi {
  private readonly objects = new Map<string, KubeObject>();
  /**
   * The keys of the objects carrying each label value, per collection (`<collection>\0<label>=<value>`), so a list
   * whose selector has an equality reads only its candidates: the throughput benchmark lists among thousands.
   */
  private readonly byLabel = new Map<string, Set<string>>();
  private version = 1000;
  private failures: number[] = [];
  private drops = 0;
  readonly requests: RecordedRequest[] = [];
  private accepted = 0;
  private readonly open = new Set<Socket>();
  private readonly recordOf = new WeakMap<ServerResponse, { status?: number }>();
  /** Called with the stored object when a PUT arrives, before its resourceVersion is checked. */
  beforeUpdate?: (stored: KubeObject, incoming: KubeObject) => void;
  /** Called with the stored result after a PUT succeeded (another writer can act right after it). */
  afterUpdate?: (stored: KubeObject) => void;

  private constructor(
    private readonly server: Server | HttpsServer,
    private readonly scheme: 'http' | 'https',
  ) {
    server.on(scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.accepted += 1;
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
    });
  }

  /** Connections accepted so far (over HTTPS: TLS handshakes completed). */
  get connections(): number {
    return this.accepted;
  }

  /** Accepted connections not closed yet. */
  get openConnections(): number {
    return this.open.size;
  }

  static async start(options: { readonly tls?: FakeKubeApiTls } = {}): Promise<FakeKubeApi> {
    let api: FakeKubeApi | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => void api?.handle(req, res);
    const { tls } = options;
    const server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: tls.clientCa !== undefined, rejectUnauthorized: false }, handler)
      : createServer(handler);
    api = new FakeKubeApi(server, tls ? 'https' : 'http');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig for this API, loaded into `kubeConfig` (a subclass such as KeepAliveKubeConfig) or a new KubeConfig. */
  kubeConfig<T extends KubeConfig = KubeConfig>(kubeConfig: T = new KubeConfig() as T): T {
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake', token: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    return kubeConfig;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Stores (creates or replaces) an object unconditionally and returns the stored copy. */
  put(object: { metadata: { name: string; namespace?: string; [key: string]: unknown }; apiVersion?: string; kind?: string; spec?: unknown; status?: unknown }, plural = 'workflows', group = 'argoproj.io'): KubeObject {
    const namespace = object.metadata.namespace ?? 'argo';
    const stored = structuredClone(object) as KubeObject;
    stored.metadata.namespace = namespace;
    stored.metadata.resourceVersion = String(++this.version);
    stored.metadata.uid ??= randomUUID();
    this.store(this.key(group, namespace, plural, object.metadata.name), stored);
    return structuredClone(stored);
  }

  get(name: string, plural = 'workflows', group = 'argoproj.io', namespace = 'argo'): KubeObject | undefined {
    const found = this.objects.get(this.key(group, namespace, plural, name));
    return found ? structuredClone(found) : undefined;
  }

  /** The next `count` requests answer `status` (e.g. 503), or have their connection dropped (status 0). */
  failNext(count: number, status: number): void {
    if (status === 0) this.drops += count;
    else this.failures.push(...Array.from({ length: count }, () => status));
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  private key(group: string, namespace: string, plural: string, name: string): string {
    return `${group}/${namespace}/${plural}/${name}`;
  }

  /** Stores `object` under `key`, keeping the label index in step. */
  private store(key: string, object: KubeObject): void {
    this.remove(key);
    this.objects.set(key, object);
    for (const entry of labelEntries(key, object)) {
      const keys = this.byLabel.get(entry) ?? new Set<string>();
      keys.add(key);
      this.byLabel.set(entry, keys);
    }
  }

  private remove(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    for (const entry of labelEntries(key, old)) {
      const keys = this.byLabel.get(entry);
      keys?.delete(key);
      if (keys?.size === 0) this.byLabel.delete(entry);
    }
  }

  /** The objects of one collection a selector matches, by name as the apiserver lists them (etcd's key order). */
  private list(collection: string, selector: Selector): KubeObject[] {
    // The smallest set any equality allows (task-id=N rather than workflow-type=play-orchestration).
    const indexed = selector.equalities.map(([label, value]) => this.byLabel.get(`${collection}\0${label}=${value}`) ?? new Set<string>());
    const fewest = indexed.reduce<Set<string> | undefined>((best, keys) => (best === undefined || keys.size < best.size ? keys : best), undefined);
    const candidates = fewest ? [...fewest] : [...this.objects.keys()].filter((key) => key.startsWith(`${collection}/`));
    return candidates
      .sort()
      .map((key) => this.objects.get(key) as KubeObject)
      .filter((object) => selector.matches(object.metadata.labels ?? {}))
      .map((object) => structuredClone(object));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only the path and query are read: any base will do (this.url would ask the socket its address every time).
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => req.on('data', (chunk: Buffer) => chunks.push(chunk)).once('end', resolve).once('error', reject));
    const record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } = { method: req.method ?? 'GET', path: url.pathname, labelSelector: url.searchParams.get('labelSelector') ?? undefined, ...callerOf(req) };
    this.requests.push(record);
    this.recordOf.set(res, record);

    if (this.drops > 0) {
      this.drops -= 1;
      req.socket.destroy();
      return;
    }
    const failure = this.failures.shift();
    if (failure !== undefined) return this.status(res, failure, 'InternalError', 'injected failure');

    // Discovery of the core group, as client-node's KubernetesObjectApi asks it (the dead-letter store).
    if (req.method === 'GET' && url.pathname === '/api/v1') return this.json(res, 200, CORE_V1_RESOURCES);
    const match = PATH.exec(url.pathname);
    if (!match) return this.status(res, 404, 'NotFound', `no route for ${url.pathname}`);
    const [, groupMatch, , namespace, plural, name] = match as unknown as [string, string | undefined, string, string, string, string | undefined];
    const group = groupMatch ?? '';

    if (!name && req.method === 'GET') {
      const items = this.list(`${group}/${namespace}/${plural}`, parseSelector(url.searchParams.get('labelSelector') ?? ''));
      return this.json(res, 200, { apiVersion: group ? `${group}/${match[2]}` : match[2], kind: 'List', metadata: { resourceVersion: String(this.version) }, items });
    }
    if (!name && req.method === 'POST') {
      const incoming = encodeStringData(JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeObject);
      const key = this.key(group, namespace, plural, incoming.metadata.name);
      if (this.objects.has(key)) return this.status(res, 409, 'AlreadyExists', `${plural} "${incoming.metadata.name}" already exists`);
      incoming.metadata = { ...incoming.metadata, namespace, resourceVersion: String(++this.version), creationTimestamp: new Date().toISOString() };
      this.store(key, incoming);
      return this.json(res, 201, incoming);
    }
    if (!name) return this.status(res, 405, 'MethodNotAllowed', `${req.method} on a collection`);

    const key = this.key(group, namespace, plural, name);
    const stored = this.objects.get(key);
    switch (req.method) {
      case 'GET':
        return stored ? this.json(res, 200, stored) : this.status(res, 404, 'NotFound', `${plural}.${group} "${name}" not found`);
      case 'DELETE': {
        if (!stored) return this.status(res, 404, 'NotFound', `${plural}.${group} "${name}" not found`);
        const options = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { preconditions?: { uid?: string } }) : {};
        const uid = options.preconditions?.uid;
        if (uid && uid !== stored.metadata.uid) {
          return this.status(res, 409, 'Conflict', `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${String(stored.metadata.uid)}`);
        }
        this.remove(key);
        return this.json(res, 200, stored);
      }
      case 'PUT': {
        if (!stored) return this.status(res, 404, 'NotFound', `${plural}.${group} "${name}" not found`);
        const incoming = encodeStringData(JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeObject);
        this.beforeUpdate?.(stored, incoming);
        const current = this.objects.get(key) as KubeObject;
        if (incoming.metadata.resourceVersion && incoming.metadata.resourceVersion !== current.metadata.resourceVersion) {
          return this.status(res, 409, 'Conflict', `Operation cannot be fulfilled on ${plural}.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
        incoming.metadata.resourceVersion = String(++this.version);
        this.store(key, incoming);
        this.afterUpdate?.(structuredClone(incoming));
        return this.json(res, 200, incoming);
      }
      default:
        return this.status(res, 405, 'MethodNotAllowed', `${req.method} is not supported by the fake`);
    }
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    const record = this.recordOf.get(res);
    if (record) record.status = code;
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }
}

/** Who sent a request: its bearer token and its verified client certificate's common name. */
function callerOf(req: IncomingMessage): Pick<RecordedRequest, 'bearerToken' | 'clientCertificate'> {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const socket = req.socket as Partial<TLSSocket>;
  const commonName = socket.authorized ? socket.getPeerCertificate?.().subject?.CN : undefined;
  return { ...(bearer ? { bearerToken: bearer } : {}), ...(commonName ? { clientCertificate: String(commonName) } : {}) };
}

/** As the apiserver stores a Secret: `stringData` merged into `data`, base64. */
function encodeStringData(object: KubeObject): KubeObject {
  const stringData = object.stringData as Record<string, string> | undefined;
  if (!stringData) return object;
  const { stringData: _dropped, ...rest } = object;
  const data = { ...((object.data as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(value, 'utf8').toString('base64');
  return { ...rest, data } as KubeObject;
}

/** A parsed label selector: whether labels match it, and its `k=v` / `k==v` requirements (the index serves those). */
export interface Selector {
  readonly matches: (labels: Record<string, string>) => boolean;
  readonly equalities: readonly (readonly [label: string, value: string])[];
}

/** The label index's entries for an object stored under `key` (its collection is the key up to the name). */
function labelEntries(key: string, object: KubeObject): string[] {
  const collection = key.slice(0, key.lastIndexOf('/'));
  return Object.entries(object.metadata.labels ?? {}).map(([label, value]) => `${collection}\0${label}=${value}`);
}

/** Kubernetes label selector: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. */
export function parseSelector(selector: string): Selector {
  const requirements = selector.match(/[^,(]+(\([^)]*\))?/g)?.map((part) => part.trim()).filter(Boolean) ?? [];
  const equalities: [string, string][] = [];
  const tests = requirements.map((requirement) => {
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(requirement);
    if (m) {
      const [, key, op, values] = m as unknown as [string, string, string, string];
      const set = values.split(',').map((value) => value.trim());
      return (labels: Record<string, string>) => (op === 'in' ? key in labels && set.includes(labels[key] as string) : !(key in labels) || !set.includes(labels[key] as string));
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(requirement);
    if (m) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      if (op !== '!=') equalities.push([key, value]);
      return (labels: Record<string, string>) => (op === '!=' ? labels[key] !== value : labels[key] === value);
    }
    if (requirement.startsWith('!')) return (labels: Record<string, string>) => !(requirement.slice(1) in labels);
    return (labels: Record<string, string>) => requirement in labels;
  });
  return { matches: (labels) => tests.every((test) => test(labels)), equalities };
}
