// The stack's processes by name, in start order: stops them in reverse, and lets fault-injection
// kill one (SIGKILL to its group) and start it again with the same command, log and readiness probe.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { recordProcess } from './leftovers';
import { waitFor, type ManagedProcess } from './processes';
import type { ControllableProcesses } from '../control-server';

/**
 * Resolves once the (re)started process serves again. `logOffset`: the size of its (appended) log
 * before this start, so a probe can look for its ready line in what the new process wrote only;
 * `startedAt`: when this start began (e.g. a lease renewed since).
 */
export type ReadinessProbe = (started: { logOffset: number; startedAt: Date }) => Promise<boolean>;

/** A probe that passes once the process has written `line` to its log since it was (re)started. */
export function logLineProbe(logFile: string, line: string): ReadinessProbe {
  return async ({ logOffset }) => existsSync(logFile) && readFileSync(logFile).subarray(logOffset).toString('utf8').includes(line);
}

interface Entry {
  process: ManagedProcess;
  probe?: ReadinessProbe;
  running: boolean;
  /** Started again when it exits on its own, as the kubelet restarts a crashed container (restartPolicy Always). */
  restartOnCrash: boolean;
  /** Ended by kill/restart here: the caller starts it again, not the crash restart. */
  deliberate: boolean;
  crashes: number;
  timer?: NodeJS.Timeout;
}

export interface AddOptions {
  /** Start it again when it exits on its own (a panic, a fatal log), after the kubelet's back-off. */
  restartOnCrash?: boolean;
}

export interface RegistryOptions {
  /**
   * The first crash restart's delay, doubled per crash up to 5 minutes: the kubelet's CrashLoopBackOff
   * (10 s, 20 s, 40 s, ... capped at 300 s; kubernetes pkg/kubelet/kubelet.go MaxContainerBackOff). Default 10 s.
   */
  crashBackoffMs?: number;
}

export interface ProcessRegistry extends ControllableProcesses {
  add(process: ManagedProcess, probe?: ReadinessProbe, options?: AddOptions): void;
  /** How often each process crashed (exited on its own), by name. */
  crashes(): Record<string, number>;
  /** No more crash restarts (the stack is stopping). */
  close(): void;
  /** Current processes, in start order. */
  all(): ManagedProcess[];
}

/** What leftovers.ts matches in /proc/<pid>/cmdline to recognise our process groups. */
function commandTag(name: string): string {
  if (name.startsWith('function-')) return 'dist/functions';
  if (name.startsWith('sensor-') || name.startsWith('eventsource-')) return 'argo-events';
  return name;
}

export function createProcessRegistry(pidFile: string, startTimeoutMs: number, options: RegistryOptions = {}): ProcessRegistry {
  const entries = new Map<string, Entry>();
  const crashBackoffMs = options.crashBackoffMs ?? 10_000;
  let closed = false;
  const respawn = (name: string, e: Entry) => {
    e.process = e.process.respawn();
    e.running = true;
    e.deliberate = false;
    recordProcess(pidFile, e.process.pid, commandTag(name));
    watch(e);
  };
  const entry = (name: string) => {
    const found = entries.get(name);
    if (!found) throw new Error(`no stack process named ${name}`);
    return found;
  };
  const watch = (e: Entry) => {
    const watched = e.process;
    void watched.exited.then(() => {
      if (e.process !== watched) return;
      e.running = false;
      if (!e.restartOnCrash || e.deliberate || closed) return;
      e.crashes += 1;
      const delay = Math.min(crashBackoffMs * 2 ** (e.crashes - 1), 300_000);
      e.timer = setTimeout(() => {
        e.timer = undefined;
        if (!closed && !e.running && !e.deliberate && e.process === watched) respawn(watched.name, e);
      }, delay);
      e.timer.unref();
    });
  };
  const registry: ProcessRegistry = {
    add(process, probe, addOptions = {}) {
      recordProcess(pidFile, process.pid, commandTag(process.name));
      const e: Entry = { process, probe, running: true, restartOnCrash: addOptions.restartOnCrash === true, deliberate: false, crashes: 0 };
      entries.set(process.name, e);
      watch(e);
    },
    all: () => [...entries.values()].map((e) => e.process),
    list: () => [...entries.values()].map((e) => ({ name: e.process.name, pid: e.process.pid, running: e.running })),
    crashes: () => Object.fromEntries([...entries.values()].map((e) => [e.process.name, e.crashes])),
    close() {
      closed = true;
      for (const e of entries.values()) clearTimeout(e.timer);
    },
    async kill(name) {
      const e = entry(name);
      e.deliberate = true;
      await e.process.kill();
    },
    async start(name) {
      const e = entry(name);
      if (e.running) throw new Error(`${name} is running (pid ${e.process.pid}); kill it first`);
      const logOffset = existsSync(e.process.logFile) ? statSync(e.process.logFile).size : 0;
      const startedAt = new Date();
      clearTimeout(e.timer);
      respawn(name, e);
      const probe = e.probe;
      if (probe) await waitFor(`${name} ready again`, () => probe({ logOffset, startedAt }), startTimeoutMs, e.process);
    },
    async restart(name) {
      const e = entry(name);
      e.deliberate = true;
      await e.process.stop();
      await registry.start(name);
    },
  };
  return registry;
}
