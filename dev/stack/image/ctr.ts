// ctr against one containerd, in the k8s.io namespace (the one the kubelet's CRI uses).
import { spawnSync } from 'node:child_process';
import { query, runLogged } from './command';

const NAMESPACE = 'k8s.io';

export interface RunOptions {
  env?: Record<string, string>;
  readOnly?: boolean;
  netHost?: boolean;
  /** The task's stdout and stderr go to this file. */
  logFile: string;
  /** The whole command line (replaces ENTRYPOINT and CMD); default: the image's own. */
  args?: string[];
}

export function createCtr(address: string, logFile: string) {
  const base = ['--address', address, '--namespace', NAMESPACE];
  const ctr = (args: string[]) => runLogged('ctr', [...base, ...args], { logFile });
  /** `ctr tasks ls` columns of one task: TASK, PID, STATUS. */
  const taskRow = (id: string) => (query('ctr', [...base, 'tasks', 'ls']) ?? '').split('\n').map((line) => line.trim().split(/\s+/)).find((cols) => cols[0] === id);
  /** RUNNING, STOPPED, …; undefined when the container has no task. */
  const taskStatus = (id: string): string | undefined => taskRow(id)?.[2];
  const images = () => (query('ctr', [...base, 'images', 'ls', '--quiet']) ?? '').split('\n').filter(Boolean);

  return {
    hasImage: (name: string) => images().includes(name),

    /** `ctr images import` of a docker-archive; the image keeps the name in the archive. */
    async importArchive(archive: string, name: string): Promise<void> {
      await ctr(['images', 'import', archive]);
      if (!images().includes(name)) throw new Error(`ctr images import ${archive} did not create ${name} (has: ${images().join(', ')})`);
    },

    /** Starts a container from the image's own config (entrypoint, cmd, user, workdir, env), detached. */
    async run(image: string, id: string, options: RunOptions): Promise<void> {
      const args = ['run', '--detach', '--log-uri', `file://${options.logFile}`];
      if (options.netHost) args.push('--net-host');
      if (options.readOnly) args.push('--read-only');
      for (const [name, value] of Object.entries(options.env ?? {})) args.push('--env', `${name}=${value}`);
      await ctr([...args, image, id, ...(options.args ?? [])]);
    },

    /** The host PID of the container's init process, or undefined when it has no task. */
    taskPid(id: string): number | undefined {
      const pid = taskRow(id)?.[1];
      return pid ? Number(pid) : undefined;
    },

    /** Runs a process in the running container (as the container's user); its exit code and output. */
    exec(id: string, execId: string, args: string[]): { code: number | null; output: string } {
      const out = spawnSync('ctr', [...base, 'tasks', 'exec', '--exec-id', execId, id, ...args], { encoding: 'utf8', timeout: 30_000 });
      return { code: out.status, output: `${out.stdout ?? ''}${out.stderr ?? ''}` };
    },

    /** SIGTERM, then removes the task (forcefully if it has not ended) and the container. */
    async remove(id: string): Promise<void> {
      query('ctr', [...base, 'tasks', 'kill', '--signal', 'SIGTERM', id]);
      for (let i = 0; i < 40 && taskStatus(id) === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 250));
      query('ctr', [...base, 'tasks', 'rm', '--force', id]);
      query('ctr', [...base, 'containers', 'rm', id]);
    },

    taskStatus,

    /** Ids of every container in the namespace. */
    containers: () => (query('ctr', [...base, 'containers', 'ls', '--quiet']) ?? '').split('\n').filter(Boolean),
  };
}

export type Ctr = ReturnType<typeof createCtr>;
