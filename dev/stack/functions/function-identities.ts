// A kubeconfig per function with a token of its own ServiceAccount (TokenRequest API), so the local functions
// reach the apiserver as `system:serviceaccount:<ns>:handoff-<function>`, as in a cluster: their RBAC and the
// write policy (knative/function-write-policy.yaml) apply to them.
import { join } from 'node:path';
import type { FunctionName } from '../../../shared/function-declaration';
import { functionServiceAccountName } from '../../../manifests/service-account';
import type { KubeRest } from '../kube-rest';
import { writeKubeconfig } from '../control-plane/kubeconfig';

/** Long enough for any stack run (the apiserver has no --service-account-max-token-expiration). */
const TOKEN_SECONDS = 7 * 24 * 3600;

export async function serviceAccountToken(rest: KubeRest, namespace: string, serviceAccount: string): Promise<string> {
  const res = await rest.call<{ status?: { token?: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: TOKEN_SECONDS },
  });
  const token = res.body.status?.token;
  if (res.status !== 201 || !token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount}: ${res.status} ${res.text}`);
  return token;
}

/** Writes `<dir>/kubeconfig-<function>` for each function; the ServiceAccounts must exist. */
export async function functionKubeconfigs(
  rest: KubeRest,
  options: { names: readonly FunctionName[]; namespace: string; server: string; caFile: string; dir: string },
): Promise<Record<FunctionName, string>> {
  const files = {} as Record<FunctionName, string>;
  for (const name of options.names) {
    const token = await serviceAccountToken(rest, options.namespace, functionServiceAccountName(name));
    const file = join(options.dir, `kubeconfig-${name}`);
    writeKubeconfig(file, { server: options.server, token, caFile: options.caFile, namespace: options.namespace });
    files[name] = file;
  }
  return files;
}
