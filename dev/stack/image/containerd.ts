// The project's containerd (Debian's 1.6): its own config, root and state under .handoff/containerd,
// its own socket, started as a process of ours when nothing answers on that socket. The content
// store persists in .handoff/containerd/root, so an imported image stays for the next start.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeImageNames } from '../node/node-images';
import { nodePaths } from '../node/paths';
import { spawnManaged, waitFor, type ManagedProcess } from '../processes/processes';
import { repoRoot } from '../binaries/versions';
import { query } from './command';

export const containerdDir = join(repoRoot, '.handoff', 'containerd');
export const defaultAddress = join(containerdDir, 'containerd.sock');
export const containerdStateDir = join(containerdDir, 'state');

export interface Containerd {
  address: string;
  /** Stops containerd if we started it; a containerd that was already running is left alone. */
  stop(): Promise<void>;
}

/**
 * Config version 2 (containerd docs/cri/config.md @ v1.6.20). restrict_oom_score_adj: this machine
 * kind's capability bounding set lacks CAP_SYS_RESOURCE, so containerd may not lower OOM scores
 * (issue 11's checked facts). cgroup v1 with the cgroupfs driver (SystemdCgroup false, the default).
 * For the node's CRI: the sandbox image we build (no registry), the node's CNI config, pod network
 * namespaces mounted under our state dir (netns_mounts_under_state_dir) and runc's state under it
 * too, so nothing of ours lands in /run/netns or /run/containerd and cleanup is one folder.
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
    '  netns_mounts_under_state_dir = true',
    `  sandbox_image = ${JSON.stringify(nodeImageNames().pause)}`,
    '',
    '[plugins."io.containerd.grpc.v1.cri".cni]',
    `  bin_dir = ${JSON.stringify(nodePaths.cniBinDir)}`,
    `  conf_dir = ${JSON.stringify(nodePaths.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    `  Root = ${JSON.stringify(join(dir, 'state', 'runc'))}`,
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
  const process = await startContainerd(join(repoRoot, '.handoff', 'logs', 'image'), log);
  return { address, stop: () => process.stop() };
}

/** Starts the project's containerd (config written fresh) and waits until it answers. */
export async function startContainerd(logDir: string, log: (line: string) => void = () => {}): Promise<ManagedProcess> {
  mkdirSync(logDir, { recursive: true });
  mkdirSync(containerdDir, { recursive: true });
  const config = join(containerdDir, 'config.toml');
  writeFileSync(config, containerdConfig(containerdDir));
  log(`starting containerd (${config})`);
  const logFile = join(logDir, 'containerd.log');
  const offset = existsSync(logFile) ? statSync(logFile).size : 0;
  const process = spawnManaged({ name: 'containerd', command: 'containerd', args: ['--config', config], logDir });
  try {
    await waitFor('containerd', async () => containerdAnswers(defaultAddress), 30_000, process);
    // The socket answers before the CRI service is initialized: a kubelet that connects then gets "server is not
    // initialized yet" and exits. containerd 1.6 marks it initialized right after this line (pkg/cri/server/service.go, Run).
    await waitFor('containerd CRI service', async () => readFileSync(logFile).subarray(offset).toString('utf8').includes('msg="Start streaming server"'), 30_000, process);
    await new Promise((r) => setTimeout(r, 250));
  } catch (error) {
    await process.stop();
    throw error;
  }
  return process;
}
