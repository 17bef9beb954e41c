// Lets a process inside a network namespace reach the loopback-only kube-apiserver: a TCP relay
// on the namespace's host address, and a kubeconfig for it that still verifies the serving
// certificate (issued for 127.0.0.1) through `tls-server-name`.
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';

export interface KubeForward {
  /** A kubeconfig that reaches the apiserver through the relay. */
  kubeconfig: string;
  close(): Promise<void>;
}

export interface KubeForwardOptions {
  /** The stack's kubeconfig (server https://127.0.0.1:<port>). */
  kubeconfig: string;
  /** Address to listen on: the host end of the namespace's veth pair. */
  listenIp: string;
  /** Where to write the relayed kubeconfig. */
  file: string;
}

export async function startKubeForward(options: KubeForwardOptions): Promise<KubeForward> {
  const config = JSON.parse(readFileSync(options.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const target = new URL(config.clusters[0]!.cluster.server!);
  const sockets = new Set<{ destroy(): void }>();
  const server: Server = createServer((inbound) => {
    const outbound = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(inbound);
    sockets.add(outbound);
    inbound.on('close', () => sockets.delete(inbound));
    outbound.on('close', () => sockets.delete(outbound));
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end);
    outbound.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, options.listenIp, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  for (const { cluster } of config.clusters) {
    cluster.server = `https://${options.listenIp}:${port}`;
    cluster['tls-server-name'] = target.hostname;
  }
  writeFileSync(options.file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return {
    kubeconfig: options.file,
    // Watches stay open for as long as their client runs: end them, or close() would wait for ever.
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
