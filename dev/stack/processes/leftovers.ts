// Records the process groups a stack started, so the next start can end the ones a killed
// (kill -9) stack left behind. Only groups whose leader still runs one of our commands are ended.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

interface Record_ {
  owner: number;
  processes: { pid: number; command: string }[];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A process's command line, arguments joined by spaces; '' when it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function recordProcess(file: string, pid: number, command: string): void {
  const record: Record_ = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record_) : { owner: process.pid, processes: [] };
  record.owner = process.pid;
  record.processes.push({ pid, command });
  writeFileSync(file, JSON.stringify(record, null, 2));
}

/** Ends the groups left by a dead owner; returns their pids. */
export function endLeftovers(file: string): number[] {
  if (!existsSync(file)) return [];
  const record = JSON.parse(readFileSync(file, 'utf8')) as Record_;
  if (record.owner !== process.pid && alive(record.owner)) throw new Error(`another stack (pid ${record.owner}) uses ${file}; stop it first`);
  const ended: number[] = [];
  for (const { pid, command } of record.processes) {
    if (alive(pid) && cmdline(pid).includes(command)) {
      try {
        process.kill(-pid, 'SIGKILL');
        ended.push(pid);
      } catch {
        /* gone */
      }
    }
  }
  rmSync(file, { force: true });
  return ended;
}

export function forgetProcesses(file: string): void {
  rmSync(file, { force: true });
}
