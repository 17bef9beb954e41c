// The image we ship, built from the Dockerfile as it is, run the way a kubelet would run it: from
// the image's own entrypoint, command and user, read-only root filesystem, in containerd.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureContainerd, type Containerd } from '../../dev/stack/image/containerd';
import { createCtr, type Ctr } from '../../dev/stack/image/ctr';
import { ensureFunctionImage, type BuiltImage } from '../../dev/stack/image/function-image';
import { ensureHostPackages } from '../../dev/stack/image/host-packages';
import { loadImage } from '../../dev/stack/image/load-image';
import { freePort } from '../../dev/stack/processes/ports';
import { repoRoot } from '../../dev/stack/binaries/versions';
import { DECLARATIONS } from '../../shared/declarations';
import { finalStageUser } from '../support/dockerfile-user';

const logDir = join(repoRoot, '.handoff', 'logs', 'image');
const dockerfileUser = finalStageUser(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));

let image: BuiltImage;
let containerd: Containerd;
let ctr: Ctr;
const started: string[] = [];
const CONTAINER_PREFIX = 'handoff-image-test-';

beforeAll(async () => {
  ensureHostPackages(['mmdebstrap', 'buildah', 'containerd', 'ctr', 'containerd-shim-runc-v2', 'runc']);
  image = await ensureFunctionImage();
  containerd = await ensureContainerd();
  ctr = createCtr(containerd.address, join(logDir, 'ctr.log'));
  // A run that was killed leaves its containers in containerd's store.
  for (const id of ctr.containers().filter((id) => id.startsWith(CONTAINER_PREFIX))) await ctr.remove(id);
  await loadImage(containerd.address, image);
});

afterAll(async () => {
  for (const id of started) await ctr?.remove(id);
  await containerd?.stop();
});

/** Starts a container from the image on the host network; resolves with its id and port once /healthz answers. */
async function start(name: string, options: { env?: Record<string, string>; args?: string[] } = {}) {
  const id = `${CONTAINER_PREFIX}${name}-${process.pid}`;
  const port = await freePort();
  const logFile = join(logDir, `${id}.log`);
  started.push(id);
  await ctr.run(image.name, id, { netHost: true, readOnly: true, env: { PORT: String(port), ...options.env }, logFile, args: options.args });
  const deadline = Date.now() + 20_000;
  let status: number | undefined;
  while (Date.now() < deadline && status !== 200) {
    status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => undefined);
    if (status !== 200) {
      if (ctr.taskStatus(id) !== 'RUNNING') {
        await new Promise((r) => setTimeout(r, 500)); // the shim may still be copying the last output
        throw new Error(`${id} ended before serving: ${readFileSync(logFile, 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { id, port, logFile, status };
}

function idsOf(pid: number, field: 'Uid' | 'Gid'): string[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line!.split(/\s+/).slice(1, 5);
}

describe('the function image (Dockerfile, built offline with buildah, run by containerd)', () => {
  it('is named in dev.local, tagged with the package version and a hash of its inputs, and a rebuild with nothing changed is cached', async () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(image.name).toBe(`dev.local/handoff:${version}-${image.inputs}`);
    const again = await ensureFunctionImage();
    expect(again).toMatchObject({ name: image.name, seconds: 0 });
    expect(ctr.hasImage(image.name)).toBe(true);
  });

  it('starts pr-opened from its own ENTRYPOINT and CMD, answers /healthz, as the Dockerfile USER, never root', async () => {
    const container = await start('default', { env: { TRIGGER_TOKENS: 'x' } });
    expect(container.status).toBe(200);
    const pid = ctr.taskPid(container.id)!;
    const [uid, gid] = dockerfileUser.split(':');
    expect(uid).not.toBe('0');
    expect(idsOf(pid, 'Uid')).toEqual([uid, uid, uid, uid]);
    expect(idsOf(pid, 'Gid')).toEqual([gid, gid, gid, gid]);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)).toEqual(['/nodejs/bin/node', 'dist/functions/pr-opened/index.js']);
    const listening = readFileSync(container.logFile, 'utf8').split('\n').find((line) => line.includes('"msg":"listening"'));
    expect(JSON.parse(listening!)).toMatchObject({ function: 'pr-opened', port: container.port });
  });

  it('writes only JSON log records on the image\'s Node.js: no runtime warning (DEP0040 punycode was one on Node 24)', async () => {
    const container = await start('clean-log', { env: { TRIGGER_TOKENS: 'x' } });
    const lines = readFileSync(container.logFile, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
  });

  it('starts each function from the compile cache its build filled, on the read-only root filesystem', async () => {
    for (const name of DECLARATIONS.map((declaration) => declaration.name)) {
      // Node's own trace of its compile cache (shared/server/compile-cache.ts), on stderr beside the JSON log. The
      // cache folder is per user (…-65532): the Dockerfile fills it as the user the pod runs as.
      const container = await start(`cache-${name}`, { env: { TRIGGER_TOKENS: 'x', GITHUB_TOKEN: 'x', NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }, args: ['/nodejs/bin/node', `dist/functions/${name}/index.js`] });
      const log = readFileSync(container.logFile, 'utf8');
      expect(log, name).toContain(`V8 code cache for ESM file:///app/dist/functions/${name}/app.js was accepted`);
    }
  });

  it('runs with a read-only root filesystem: the app cannot write anywhere', async () => {
    const container = await start('read-only', { env: { TRIGGER_TOKENS: 'x' } });
    const probe = "for (const p of ['/app/x', '/tmp/x']) { try { require('fs').writeFileSync(p, ''); console.log(p, 'written'); } catch (e) { console.log(p, e.code); } }";
    const result = ctr.exec(container.id, 'write-probe', ['/nodejs/bin/node', '-e', probe]);
    expect(result.output.trim().split('\n')).toEqual(['/app/x EROFS', '/tmp/x EROFS']);
  });

  it.each(DECLARATIONS.map((declaration) => declaration.name))('%s starts from the image with the Knative args (dist/functions/<name>/index.js)', async (name) => {
    // rex-push removes a label, so it also needs GitHub credentials to start.
    const container = await start(`fn-${name}`, { env: { TRIGGER_TOKENS: 'x', GITHUB_TOKEN: 'x' }, args: ['/nodejs/bin/node', `dist/functions/${name}/index.js`] });
    expect(container.status).toBe(200);
    const listening = readFileSync(container.logFile, 'utf8').split('\n').find((line) => line.includes('"msg":"listening"'));
    expect(JSON.parse(listening!)).toMatchObject({ function: name });
  });

  it('refuses to start without authentication configured, from the image as from source', async () => {
    await expect(start('no-auth')).rejects.toThrow(/refusing to start without authentication/);
  });
});
