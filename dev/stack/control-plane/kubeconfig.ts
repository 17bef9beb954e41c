// Writes a kubeconfig for the local apiserver (admin bearer token, CA file, default namespace).
import { writeFileSync } from 'node:fs';

export function writeKubeconfig(file: string, options: { server: string; token: string; caFile: string; namespace: string }): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'handoff-local', cluster: { server: options.server, 'certificate-authority': options.caFile } }],
    users: [{ name: 'admin', user: { token: options.token } }],
    contexts: [{ name: 'handoff-local', context: { cluster: 'handoff-local', user: 'admin', namespace: options.namespace } }],
    'current-context': 'handoff-local',
  };
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}
