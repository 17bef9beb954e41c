// kube-apiserver with envtest's flags (controller-runtime pkg/internal/testing/controlplane/
// apiserver.go defaultArgs) and token authentication instead of client certificates. Without a
// node: on loopback, ServiceAccount admission disabled (no controller-manager runs). With a node:
// reachable from pods (all addresses, advertised on the node's IP, which the `kubernetes` Service's
// endpoints follow), the Node authorizer for the kubelet, ServiceAccount admission on, and a serving
// certificate for every name a client uses (127.0.0.1, the node IP, the Service IP and DNS names).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKubeRest, type KubeRest } from '../kube-rest';
import { writeSelfSignedCert, writeServiceAccountKey } from './pki';
import { freePort } from '../processes/ports';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';

export interface ApiServerOptions {
  binary: string;
  etcdUrl: string;
  certDir: string;
  logDir: string;
  startTimeoutMs: number;
  node?: ApiServerNodeOptions;
}

export interface ApiServerNodeOptions {
  /** The node's IP: advertised, and in the serving certificate. */
  ip: string;
  /** Extra token-file lines (`token,user,uid,"groups"`) for the node's components. */
  tokenLines: string[];
}

/** The Service CIDR, and the `kubernetes` Service's IP (its first address). */
export const serviceCidr = '10.0.0.0/24';
export const kubernetesServiceIp = '10.0.0.1';
const kubernetesServiceNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];

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
  writeFileSync(tokenFile, [`${token},admin,admin,"system:masters"`, ...(options.node?.tokenLines ?? [])].join('\n') + '\n', { mode: 0o600 });
  const saKey = writeServiceAccountKey(options.certDir);
  const node = options.node;
  const nodeArgs = node
    ? (() => {
        const tls = writeSelfSignedCert(options.certDir, 'serving', ['127.0.0.1', node.ip, kubernetesServiceIp], kubernetesServiceNames);
        return ['--bind-address=0.0.0.0', `--advertise-address=${node.ip}`, '--kubelet-preferred-address-types=InternalIP', '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', `--tls-cert-file=${tls.cert}`, `--tls-private-key-file=${tls.key}`];
      })()
    : ['--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', '--authorization-mode=RBAC', '--disable-admission-plugins=ServiceAccount', '--endpoint-reconciler-type=none'];
  const process = spawnManaged({
    name: 'kube-apiserver',
    command: options.binary,
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      `--cert-dir=${options.certDir}`,
      `--secure-port=${port}`,
      ...nodeArgs,
      `--service-cluster-ip-range=${serviceCidr}`,
      '--allow-privileged=true',
      `--service-account-issuer=${server}/`,
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      `--token-auth-file=${tokenFile}`,
    ],
    logDir: options.logDir,
  });
  // Without --tls-cert-file the apiserver writes its self-signed serving certificate (cert + its CA) to --cert-dir.
  const caFile = join(options.certDir, node ? 'serving.crt' : 'apiserver.crt');
  await waitFor('kube-apiserver serving certificate', async () => existsSync(caFile), options.startTimeoutMs, process);
  const rest = createKubeRest({ server, token, ca: readFileSync(caFile) });
  await waitFor('kube-apiserver /readyz', async () => (await rest.call('GET', '/readyz')).status === 200, options.startTimeoutMs, process);
  return { server, token, caFile, process, rest };
}
