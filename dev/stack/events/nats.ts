// nats-server with JetStream and a self-signed TLS certificate: Argo Events' JetStream client
// always connects with TLS (InsecureSkipVerify when the bus config has no tls; argo-events
// pkg/eventbus/jetstream/base/jetstream.go MakeConnection), so a plain server would be refused.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSelfSignedCert } from '../control-plane/pki';
import { freePort } from '../processes/ports';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';

export interface NatsOptions {
  binary: string;
  workDir: string;
  logDir: string;
  /** Addresses the clients use (the host ends of the veth pairs); the server listens on all interfaces. */
  clientIps: string[];
  startTimeoutMs: number;
}

export interface Nats {
  port: number;
  process: ManagedProcess;
  /** JetStream serves (its /healthz with js-enabled-only): after a start and after a restart. */
  ready(): Promise<boolean>;
  /** EVENTBUS_CONFIG for a client that reaches the server at `ip`. */
  busConfig(ip: string): string;
}

/** Single-server stream settings: replicas 1 (3 fails with "no suitable peers for placement"). */
export const streamConfig = 'maxMsgs: 10000\nmaxAge: 1h\nmaxBytes: -1\nreplicas: 1\nduplicates: 60s\n';

export async function startNats(options: NatsOptions): Promise<Nats> {
  mkdirSync(join(options.workDir, 'jetstream'), { recursive: true });
  const tls = writeSelfSignedCert(options.workDir, 'nats', ['127.0.0.1', ...options.clientIps]);
  const [port, monitorPort] = [await freePort('0.0.0.0'), await freePort()];
  const config = join(options.workDir, 'nats.conf');
  writeFileSync(
    config,
    [
      `listen: "0.0.0.0:${port}"`,
      `http: "127.0.0.1:${monitorPort}"`,
      `jetstream { store_dir: ${JSON.stringify(join(options.workDir, 'jetstream'))}, max_memory_store: 268435456, max_file_store: 1073741824 }`,
      `tls { cert_file: ${JSON.stringify(tls.cert)}, key_file: ${JSON.stringify(tls.key)} }`,
      '',
    ].join('\n'),
  );
  const process = spawnManaged({ name: 'nats-server', command: options.binary, args: ['-c', config], logDir: options.logDir });
  const ready = async () => (await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`)).ok;
  await waitFor('nats-server JetStream /healthz', ready, options.startTimeoutMs, process);
  return {
    port,
    process,
    ready,
    busConfig: (ip) => Buffer.from(JSON.stringify({ jetstream: { url: `nats://${ip}:${port}`, streamConfig } })).toString('base64'),
  };
}
