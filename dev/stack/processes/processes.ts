// Spawns every stack process in its own process group with its log in one folder, and stops
// them all (SIGTERM to the group, then SIGKILL) so nothing is left behind. Each process is also
// tied to the life of this one: setpriv --pdeathsig makes the kernel SIGKILL it when the process
// that spawned it dies, however it dies (kill -9, a crash), before it can run stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, existsSync } from 'node:fs';
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

/** util-linux's setpriv (Debian package util-linux), which sets PR_SET_PDEATHSIG and execs the command. */
const SETPRIV = '/usr/bin/setpriv';

/**
 * The command line that runs `command`: in its network namespace if asked (`ip netns exec` execs
 * without forking), behind setpriv so the kernel kills it when its parent dies. The death signal
 * survives execve (prctl(2) PR_SET_PDEATHSIG: cleared only for set-user-ID binaries and children
 * of fork), so it reaches the final program. libuv spawns from the main thread, whose death is
 * the one that counts.
 */
export function commandLine(options: Pick<SpawnOptions, 'command' | 'args' | 'netns'>, setpriv = existsSync(SETPRIV)): [string, string[]] {
  const inNetns = options.netns ? ['ip', 'netns', 'exec', options.netns, options.command, ...options.args] : [options.command, ...options.args];
  const line = setpriv ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...inNetns] : inNetns;
  return [line[0]!, line.slice(1)];
}

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const [command, args] = commandLine(options);
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
  /** Waits for the exit, at most `ms`; the timer never keeps the caller's process alive. */
  const exitedOr = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  };
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
      if (!done) await exitedOr(graceMs);
      // Always kill the group: children of a process that exited may still be running.
      signalGroup('SIGKILL');
      if (!done) await exitedOr(2_000);
    },
    async kill() {
      signalGroup('SIGKILL');
      if (!done) await exitedOr(5_000);
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
