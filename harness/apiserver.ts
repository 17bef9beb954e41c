// kube-apiserver on loopback with envtest's flags (controller-runtime
// pkg/internal/testing/controlplane/apiserver.go defaultArgs), token authentication instead of
// client certificates, and ServiceAccount admission disabled (no controller-manager runs).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKubeRest, type KubeRest } from './kube-rest';
import { writeServiceAccountKey } from './pki';
import { freePort } from './ports';
import { spawnManaged, waitFor, type ManagedProcess } from './processes';

export interface ApiServerOptions {
  binary: string;
  etcdUrl: string;
  certDir: string;
  logDir: string;
  startTimeoutMs: number;
}

export interface ApiServer {
  server: string;
  token: string;
  /** PEM bundle that verifies the apiserver's self-signed serving certificate. */
  caFile: string;
  process: ManagedProcess;
  rest: KubeRest;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  mkdirSync(options.certDir, { recursive: true });
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(options.certDir, 'tokens.csv');
  // token,user,uid,"groups"
  writeFileSync(tokenFile, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
  const saKey = writeServiceAccountKey(options.certDir);
  const process = spawnManaged({
    name: 'kube-apiserver',
    command: options.binary,
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      `--cert-dir=${options.certDir}`,
      `--secure-port=${port}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      `--service-account-issuer=${server}/`,
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      `--token-auth-file=${tokenFile}`,
      '--endpoint-reconciler-type=none',
    ],
    logDir: options.logDir,
  });
  // The apiserver writes its self-signed serving certificate (cert + its CA) to --cert-dir.
  const caFile = join(options.certDir, 'apiserver.crt');
  await waitFor('kube-apiserver serving certificate', async () => existsSync(caFile), options.startTimeoutMs, process);
  const rest = createKubeRest({ server, token, ca: readFileSync(caFile) });
  await waitFor('kube-apiserver /readyz', async () => (await rest.call('GET', '/readyz')).status === 200, options.startTimeoutMs, process);
  return { server, token, caFile, process, rest };
}
