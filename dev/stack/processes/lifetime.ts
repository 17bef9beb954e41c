// Ties the local stack's life to `npm start`'s. The stack's processes run in sessions of their
// own (so a terminal's Ctrl-C reaches only us, and we stop them in order); this module makes sure
// that every way `npm start` can end also stops them:
// - SIGINT (Ctrl-C), SIGTERM, SIGHUP (the terminal closed): stop, then exit;
// - stdout or stderr gone (`npm start | tee log` whose reader died): stop, then exit, never a
//   crash while printing "stopping…";
// - an uncaught error: stop, then exit 1;
// - a launcher killed (kill -9 of npm, its shell or tsx): seen within a second by polling them;
// - this process itself killed with SIGKILL: nothing here runs, but every child was started
//   behind setpriv --pdeathsig (dev/stack/processes/processes.ts), so the kernel kills it, and the next start
//   ends what is left (dev/stack/processes/leftovers.ts) and deletes stale network namespaces.
import { readFileSync } from 'node:fs';
import { cmdline } from './leftovers';

/** The start time of a process (field 22 of /proc/<pid>/stat), so a reused pid is not taken for it. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields after it follow the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export interface Launcher {
  pid: number;
  startTime: string;
}

/**
 * The processes that launched this one for `npm start`: the parent (tsx), and, under npm
 * (npm_lifecycle_event is set), every ancestor up to and including the npm process itself.
 */
export function launchers(pid = process.pid, underNpm = !!process.env.npm_lifecycle_event): Launcher[] {
  const chain: Launcher[] = [];
  let current = parentOf(pid);
  while (current && current > 1) {
    const started = startTime(current);
    if (!started) break;
    chain.push({ pid: current, startTime: started });
    if (!underNpm || /(^|\/)npm(-cli\.js)?( |$)/.test(cmdline(current))) break;
    current = parentOf(current);
  }
  return chain;
}

export const isGone = (launcher: Launcher) => startTime(launcher.pid) !== launcher.startTime;

export interface LifetimeOptions {
  /** Stops the stack; called at most once. */
  stop: () => Promise<void>;
  log: (line: string) => void;
  /** How often the launchers are checked. Default 1 s. */
  pollMs?: number;
  exit?: (code: number) => void;
}

/** Runs `stop` once, whichever ending comes first, then exits with a code that tells which. */
export function stopWhenStartEnds(options: LifetimeOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let ending = false;
  const end = (why: string, code: number) => {
    if (ending) return;
    ending = true;
    options.log(`stopping (${why})…`);
    options
      .stop()
      .catch((error: unknown) => options.log(`stop failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => exit(code));
  };
  // 128 + signal number, as a shell reports a process ended by that signal.
  for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) process.on(signal, () => end(signal, 128 + number));
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => end(`${stream === process.stdout ? 'stdout' : 'stderr'} closed`, 1));
  process.on('uncaughtException', (error) => end(`uncaught error: ${error.message}`, 1));
  process.on('unhandledRejection', (reason) => end(`unhandled rejection: ${String(reason)}`, 1));
  const watched = launchers();
  const timer = setInterval(() => {
    const gone = watched.find(isGone);
    if (gone) end(`launcher ${gone.pid} ended`, 1);
  }, options.pollMs ?? 1_000);
  timer.unref();
}

/** A log line that never throws: once stdout is gone, lines are dropped (the log files keep everything). */
export function safeLine(stream: NodeJS.WriteStream = process.stdout): (line: string) => void {
  return (line) => {
    if (stream.destroyed || !stream.writable) return;
    try {
      stream.write(`${line}\n`);
    } catch {
      /* EPIPE: the 'error' listener ends the stack */
    }
  };
}
