/**
 * The function bundles as `npm run build` makes them (dev/scripts/bundle/), built into a temporary folder: each under
 * the size budget, and the bundled approved function, run by node, resuming a workflow through an HTTPS
 * Kubernetes API with each way a function authenticates. That proves at run time what the bundle replaces or
 * imports deeply (the whatwg-url shim under node-fetch, client-node's KubeConfig, auth and CustomObjectsApi files).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeSelfSignedCert } from '../../dev/stack/control-plane/pki';
import { freePort } from '../../dev/stack/processes/ports';
import { BUNDLE_BUDGET_BYTES, bundleSizes, overBudget } from '../../dev/scripts/bundle/budget';
import { bundleFunctions } from '../../dev/scripts/bundle/bundle-functions';
import { functionNames } from '../../dev/scripts/bundle/options';
import { DEAD_LETTER_LABEL, DEAD_LETTER_SECRET_TYPE, WORKFLOW_LABELS } from '../../shared/contract';
import { FakeKubeApi } from '../fakes/fake-kube-api';
import { reviewEvent, sensorEnvelope } from '../fixtures/github-events';
import { playWorkflow } from '../fixtures/workflows';

const TRIGGER_TOKEN = 'bundle-trigger-token';
const work = mkdtempSync(join(tmpdir(), 'handoff-bundle-'));
const outdir = join(work, 'dist');
let metafile: Metafile;

beforeAll(async () => {
  metafile = await bundleFunctions(outdir);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('function bundles', () => {
  it('one bundle per function, each under BUNDLE_BUDGET_BYTES as written to disk', () => {
    const bundles = bundleSizes(metafile);
    expect(bundles.map(({ file }) => /functions\/([^/]+)$/.exec(file)?.[1]).sort()).toEqual(functionNames());
    for (const name of functionNames()) {
      const bytes = statSync(join(outdir, 'functions', name, 'index.js')).size + statSync(join(outdir, 'functions', name, 'app.js')).size;
      expect(bytes, name).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
    }
    expect(overBudget(metafile)).toEqual([]);
    expect(overBudget(metafile, Math.min(...bundles.map(({ bytes }) => bytes)) - 1)).toHaveLength(bundles.length);
  });

  it('carries neither whatwg-url with tr46 and punycode nor the client-node index with its every API module', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((input) => /node_modules\/(whatwg-url|tr46|punycode)\//.test(input))).toEqual([]);
    expect(inputs.filter((input) => input.endsWith('dev/scripts/bundle/whatwg-url.cjs'))).toHaveLength(1);
    expect(inputs.filter((input) => /@kubernetes\/client-node\/dist\/(index|cp|exec|attach|portforward|informer|watch)\.js$/.test(input))).toEqual([]);
    expect(inputs.some((input) => input.endsWith('@kubernetes/client-node/dist/config.js'))).toBe(true);
  });
});

// Node 20 has no module.enableCompileCache; CI's second unit run, on the image's Node.js, takes the other branch.
const nodeHasCompileCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe('the compile cache the image fills (dist/prepare-compile-cache.js)', () => {
  const prepare = () => spawnSync(process.execPath, [join(outdir, 'prepare-compile-cache.js')], { encoding: 'utf8', env: { PATH: process.env.PATH } });

  it.runIf(nodeHasCompileCache)('compiles every function\'s app.js into dist/.compile-cache, and a function then starts from it', async () => {
    const result = prepare();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`compile cache: ${functionNames().length} function(s) compiled into ${join(outdir, '.compile-cache')}`);
    const [versionDir, ...others] = readdirSync(join(outdir, '.compile-cache'));
    expect(others).toEqual([]);
    expect(versionDir).toMatch(new RegExp(`^${process.version}-`));
    expect(readdirSync(join(outdir, '.compile-cache', versionDir as string))).toHaveLength(functionNames().length);

    // Node's own trace of the cache says whether V8 took the compiled code for the runner's app.js.
    const kubeconfig = join(work, 'unused-kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] }));
    const child = spawn(process.execPath, [join(outdir, 'functions', 'approved', 'index.js')], {
      env: { PORT: String(await freePort()), TRIGGER_TOKENS: TRIGGER_TOKEN, KUBECONFIG: kubeconfig, PATH: process.env.PATH, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const log = await listening(child);
      expect(log()).toMatch(new RegExp(`V8 code cache for ESM file://${join(outdir, 'functions', 'approved', 'app.js')} was accepted`));
    } finally {
      await stop(child);
    }
  }, 30_000);

  it.skipIf(nodeHasCompileCache)('fails with the reason on a Node.js without a compile cache, so an image build cannot ship without it', () => {
    const result = prepare();
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`prepare-compile-cache: Node.js ${process.version} has no compile cache (module.enableCompileCache needs Node.js 22.1 or later)\n`);
  });
});

/** One kubeconfig per way a function authenticates to the apiserver, all trusting the fake's certificate. */
interface Credentials {
  readonly server: { readonly cert: string; readonly key: string };
  readonly client: { readonly cert: string; readonly key: string };
}

const KUBECONFIGS: Record<string, { user: (credentials: Credentials, dir: string) => Record<string, unknown>; caller: Record<string, string | undefined> }> = {
  'a bearer token': {
    user: () => ({ token: 'approved-bearer-token' }),
    caller: { bearerToken: 'approved-bearer-token', clientCertificate: undefined },
  },
  'a client certificate (mTLS)': {
    user: ({ client }) => ({ 'client-certificate-data': base64(client.cert), 'client-key-data': base64(client.key) }),
    caller: { bearerToken: undefined, clientCertificate: 'handoff-approved' },
  },
  // What KubeConfig.loadFromCluster() builds from the Pod's mounted ServiceAccount files: the token file
  // re-read by client-node's FileAuth, and the CA as a file.
  'a service-account token file, in-cluster style': {
    user: (_credentials, dir) => {
      writeFileSync(join(dir, 'token'), 'service-account-token');
      return { 'auth-provider': { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } };
    },
    caller: { bearerToken: 'service-account-token', clientCertificate: undefined },
  },
};

const base64 = (pem: string) => Buffer.from(pem).toString('base64');

describe('the bundled approved function against an HTTPS Kubernetes API', () => {
  let credentials: Credentials;
  let api: FakeKubeApi;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    credentials = {
      server: read(writeSelfSignedCert(work, 'fake-apiserver', ['127.0.0.1'])),
      client: read(writeSelfSignedCert(work, 'handoff-approved', [])),
    };
  });
  beforeEach(async () => {
    api = await FakeKubeApi.start({ tls: { ...credentials.server, clientCa: credentials.client.cert } });
  });
  afterEach(async () => {
    await stop(child);
    child = undefined;
    await api.close();
  });

  /** Starts the bundled approved function on a kubeconfig for the fake API with `user`; resolves with its port and log. */
  async function startApproved(user: Record<string, unknown>, dir: string): Promise<{ port: number; log: () => string }> {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(join(dir, 'ca.crt'), credentials.server.cert);
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: api.url, 'certificate-authority': join(dir, 'ca.crt') } }],
        users: [{ name: 'approved', user }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'approved' } }],
        'current-context': 'fake',
      }),
    );
    const port = await freePort();
    child = spawn(process.execPath, [join(outdir, 'functions', 'approved', 'index.js')], {
      env: { PORT: String(port), NAMESPACE: 'argo', TRIGGER_TOKENS: TRIGGER_TOKEN, KUBECONFIG: kubeconfig, HOME: dir, PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { port, log: await listening(child) };
  }

  for (const [way, { user, caller }] of Object.entries(KUBECONFIGS)) {
    it(`resumes a workflow with ${way}`, async () => {
      api.put(playWorkflow({ name: 'play-7', task: '7', position: 'wait-pr-approved' }));
      const dir = mkdtempSync(join(work, 'kube-'));
      const { port, log } = await startApproved(user(credentials, dir), dir);

      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: JSON.stringify(sensorEnvelope('pull_request_review', reviewEvent('approved', { task: 7 }), `bundle-${port}`)),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TRIGGER_TOKEN}` },
      });
      expect({ status: response.status, body: await response.json() }, log()).toMatchObject({ status: 200, body: { outcome: 'resumed', workflow: 'play-7' } });

      const workflowPath = '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/play-7';
      // The resume plans from the listed object (no GET), and both calls share one kept-alive TLS connection (issue 16).
      expect(api.requests.map(({ method, path }) => `${method} ${path}`)).toEqual([`GET /apis/argoproj.io/v1alpha1/namespaces/argo/workflows`, `PUT ${workflowPath}`]);
      expect(api.connections).toBe(1);
      for (const request of api.requests) expect({ bearerToken: request.bearerToken, clientCertificate: request.clientCertificate }).toEqual(caller);
      expect(api.get('play-7')?.metadata.labels?.[WORKFLOW_LABELS.stage]).toBe('completed');
      // Only JSON records: node-fetch's url.parse printed Node 24's DEP0169 warning at the first call (node-fetch-url.cjs).
      await new Promise((resolve) => setImmediate(resolve));
      expect(log().split('\n').filter((line) => line && !line.startsWith('{'))).toEqual([]);
    });
  }

  // KubernetesObjectApi through the slim ObjectSerializer (dev/scripts/bundle/client-node-models.ts): discovery, then a
  // Secret created, then replaced when the same event is dead-lettered again (409 on create).
  it('records a permanent answer as a dead-letter Secret, and replaces it when the same delivery comes again', async () => {
    const dir = mkdtempSync(join(work, 'kube-'));
    const { port, log } = await startApproved({ token: 'approved-bearer-token' }, dir);
    const send = () =>
      fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: JSON.stringify(sensorEnvelope('pull_request_review', reviewEvent('approved', { task: 8 }), 'bundle-dead-letter')),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TRIGGER_TOKEN}` },
      });
    for (let delivery = 1; delivery <= 2; delivery += 1) {
      const response = await send();
      const body = (await response.json()) as { outcome: string; deadLetter?: string };
      expect({ status: response.status, body }, log()).toMatchObject({ status: 404, body: { outcome: 'no-workflow', deadLetter: expect.any(String) } });
    }
    const secretWrites = api.requests.filter(({ path }) => path.startsWith('/api/v1/namespaces/argo/secrets')).map(({ method, status }) => `${method} ${status}`);
    expect(secretWrites).toEqual(['POST 201', 'POST 409', 'PUT 200']);
    const [secret] = api.requests.filter(({ path }) => /^\/api\/v1\/namespaces\/argo\/secrets\/./.test(path)).map(({ path }) => api.get(path.split('/').pop() as string, 'secrets', ''));
    expect(secret).toMatchObject({ kind: 'Secret', type: DEAD_LETTER_SECRET_TYPE, metadata: { labels: { [DEAD_LETTER_LABEL]: 'true' } } });
    expect(log().split('\n').filter((line) => line && !line.startsWith('{'))).toEqual([]);
  });
});

function read(files: { cert: string; key: string }): { cert: string; key: string } {
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}

/** Resolves once the function logs 'listening' (with a reader of everything it wrote); rejects if it exits first. */
function listening(process: ChildProcess): Promise<() => string> {
  let output = '';
  const log = () => output;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('"msg":"listening"')) resolve(log);
    };
    process.stdout?.on('data', onData);
    process.stderr?.on('data', onData);
    process.once('exit', (code) => reject(new Error(`the bundle exited with ${code} before listening:\n${output}`)));
  });
}

async function stop(process: ChildProcess | undefined): Promise<void> {
  if (!process || process.exitCode !== null || process.signalCode !== null) return;
  const exited = new Promise((resolve) => process.once('exit', resolve));
  process.kill('SIGTERM');
  await exited;
}
