// The stack's processes by name, in start order: stops them in reverse, and lets fault-injection
// kill one (SIGKILL to its group) and start it again with the same command, log and readiness probe.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { recordProcess } from './leftovers';
import { waitFor, type ManagedProcess } from './processes';
import type { ControllableProcesses } from './control-server';

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
}

export interface ProcessRegistry extends ControllableProcesses {
  add(process: ManagedProcess, probe?: ReadinessProbe): void;
  /** Current processes, in start order. */
  all(): ManagedProcess[];
}

/** What leftovers.ts matches in /proc/<pid>/cmdline to recognise our process groups. */
function commandTag(name: string): string {
  if (name.startsWith('function-')) return 'dist/functions';
  if (name.startsWith('sensor-') || name.startsWith('eventsource-')) return 'argo-events';
  return name;
}

export function createProcessRegistry(pidFile: string, startTimeoutMs: number): ProcessRegistry {
  const entries = new Map<string, Entry>();
  const entry = (name: string) => {
    const found = entries.get(name);
    if (!found) throw new Error(`no stack process named ${name}`);
    return found;
  };
  const watch = (e: Entry) => {
    const watched = e.process;
    void watched.exited.then(() => {
      if (e.process === watched) e.running = false;
    });
  };
  const registry: ProcessRegistry = {
    add(process, probe) {
      recordProcess(pidFile, process.pid, commandTag(process.name));
      const e: Entry = { process, probe, running: true };
      entries.set(process.name, e);
      watch(e);
    },
    all: () => [...entries.values()].map((e) => e.process),
    list: () => [...entries.values()].map((e) => ({ name: e.process.name, pid: e.process.pid, running: e.running })),
    async kill(name) {
      await entry(name).process.kill();
    },
    async start(name) {
      const e = entry(name);
      if (e.running) throw new Error(`${name} is running (pid ${e.process.pid}); kill it first`);
      const logOffset = existsSync(e.process.logFile) ? statSync(e.process.logFile).size : 0;
      const startedAt = new Date();
      e.process = e.process.respawn();
      e.running = true;
      recordProcess(pidFile, e.process.pid, commandTag(name));
      watch(e);
      const probe = e.probe;
      if (probe) await waitFor(`${name} ready again`, () => probe({ logOffset, startedAt }), startTimeoutMs, e.process);
    },
    async restart(name) {
      await entry(name).process.stop();
      await registry.start(name);
    },
  };
  return registry;
}
