// The project's containerd (Debian's 1.6): its own config, root and state under .handoff/containerd,
// its own socket, started as a process of ours when nothing answers on that socket. The content
// store persists in .handoff/containerd/root, so an imported image stays for the next start.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnManaged, waitFor } from '../processes';
import { repoRoot } from '../versions';
import { query } from './command';

export const containerdDir = join(repoRoot, '.handoff', 'containerd');
export const defaultAddress = join(containerdDir, 'containerd.sock');

export interface Containerd {
  address: string;
  /** Stops containerd if we started it; a containerd that was already running is left alone. */
  stop(): Promise<void>;
}

/**
 * Config version 2 (containerd docs/cri/config.md @ v1.6.20). restrict_oom_score_adj: this machine
 * kind's capability bounding set lacks CAP_SYS_RESOURCE, so containerd may not lower OOM scores
 * (issue 11's checked facts). cgroup v1 with the cgroupfs driver (SystemdCgroup false, the default).
 */
export function containerdConfig(dir: string): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
    '',
    '[grpc]',
    `  address = ${JSON.stringify(join(dir, 'containerd.sock'))}`,
    '',
    '[ttrpc]',
    `  address = ${JSON.stringify(join(dir, 'containerd.sock.ttrpc'))}`,
    '',
    '[plugins."io.containerd.grpc.v1.cri"]',
    '  restrict_oom_score_adj = true',
    '',
  ].join('\n');
}

export function containerdAnswers(address: string): boolean {
  // ctr waits 10 s for a socket nobody listens on by default.
  return existsSync(address) && query('ctr', ['--address', address, '--connect-timeout', '2s', 'version']) !== undefined;
}

/** Uses the containerd on `address` if it answers, else starts ours there. */
export async function ensureContainerd(log: (line: string) => void = () => {}, address = process.env.HANDOFF_CONTAINERD_ADDRESS ?? defaultAddress): Promise<Containerd> {
  if (containerdAnswers(address)) return { address, stop: async () => {} };
  if (address !== defaultAddress) throw new Error(`no containerd answers on ${address} (HANDOFF_CONTAINERD_ADDRESS)`);
  const logDir = join(repoRoot, '.handoff', 'logs', 'image');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(containerdDir, { recursive: true });
  const config = join(containerdDir, 'config.toml');
  writeFileSync(config, containerdConfig(containerdDir));
  log(`starting containerd (${config})`);
  const process = spawnManaged({ name: 'containerd', command: 'containerd', args: ['--config', config], logDir });
  try {
    await waitFor('containerd', async () => containerdAnswers(address), 30_000, process);
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { address, stop: () => process.stop() };
}
