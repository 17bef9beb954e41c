// Spawns every stack process in its own process group with its log in one folder, and stops
// them all (SIGTERM to the group, then SIGKILL) so nothing is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<string>;
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the whole group at once, as a crash or an OOM kill would end it. */
  kill(): Promise<void>;
  /** Starts the same command again (same arguments, environment and log file). */
  respawn(): ManagedProcess;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logDir: string;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
}

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const [command, args] = options.netns ? ['ip', ['netns', 'exec', options.netns, options.command, ...options.args]] : [options.command, options.args];
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<string>((resolveExit) => {
    child.on('exit', (code, signal) => {
      done = true;
      resolveExit(signal ?? String(code));
    });
    child.on('error', (error) => {
      done = true;
      resolveExit(`error: ${error.message}`);
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* group already gone */
    }
  };
  return {
    name: options.name,
    pid,
    logFile,
    child,
    exited,
    async stop(graceMs = 10_000) {
      signalGroup('SIGTERM');
      if (!done) await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
      // Always kill the group: children of a process that exited may still be running.
      signalGroup('SIGKILL');
      if (!done) await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
    },
    async kill() {
      signalGroup('SIGKILL');
      if (!done) await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    },
    respawn: () => spawnManaged(options),
  };
}

/** Polls `check` until it returns true; throws with the last error after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, process?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let exitedWith: string | undefined;
  void process?.exited.then((code) => (exitedWith = code));
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) throw new Error(`${what}: process ${process?.name} exited (${exitedWith}); see ${process?.logFile}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}${process ? `; see ${process.logFile}` : ''}`);
}
