// etcd on loopback with envtest's flags (controller-runtime pkg/internal/testing/controlplane/etcd.go).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../processes/ports';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';

export interface EtcdOptions {
  binary: string;
  dataDir: string;
  logDir: string;
  startTimeoutMs: number;
}

export async function startEtcd(options: EtcdOptions): Promise<{ url: string; process: ManagedProcess }> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  mkdirSync(options.dataDir, { recursive: true });
  const process = spawnManaged({
    name: 'etcd',
    command: options.binary,
    args: [
      `--data-dir=${options.dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      `--log-outputs=${join(options.logDir, 'etcd.log')}`,
    ],
    logDir: options.logDir,
  });
  await waitFor('etcd /health', async () => (await fetch(`${url}/health`)).ok, options.startTimeoutMs, process);
  return { url, process };
}
