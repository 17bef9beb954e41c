// Installs the Debian packages that provide the host tools of the image build and the node
// (dev/tools/versions.json `image.hostPackages`) when a command, or a file named by its absolute path
// (CNI plugins, the static libc), is missing: apt-get as root, else an error that names the command to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readImagePins } from './pins';

export function hasCommand(command: string): boolean {
  if (command.startsWith('/')) return existsSync(command);
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0;
}

/** Debian packages whose commands are missing on this machine (deduplicated, in pin order). */
export function missingHostPackages(commands: string[], hostPackages = readImagePins().hostPackages): string[] {
  const missing = new Set<string>();
  for (const command of commands) {
    const pkg = hostPackages[command];
    if (!pkg) throw new Error(`dev/tools/versions.json image.hostPackages names no Debian package for ${command}`);
    if (!hasCommand(command)) missing.add(pkg);
  }
  return [...missing];
}

export function ensureHostPackages(commands: string[], log: (line: string) => void = () => {}): void {
  const missing = missingHostPackages(commands);
  if (missing.length === 0) return;
  const install = ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing];
  if (process.getuid?.() !== 0) throw new Error(`missing ${missing.join(', ')}: run \`sudo apt-get update && sudo ${install.join(' ')}\``);
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], install.slice(1)]) {
    const out = spawnSync('apt-get', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    if (out.status !== 0) throw new Error(`apt-get ${args.join(' ')} exited ${out.status}`);
  }
}
