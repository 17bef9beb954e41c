// Runs the image tools (mmdebstrap, buildah, ctr): output goes to a log file, the last lines go into
// the error when a command fails.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface CommandOptions {
  /** Appended with the command line and its output. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion; resolves with its stdout, rejects with the output's tail. */
export function runLogged(command: string, args: string[], options: CommandOptions): Promise<string> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  appendFileSync(options.logFile, `\n== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    const collect = (chunk: Buffer, isStdout: boolean) => {
      appendFileSync(options.logFile, chunk);
      if (isStdout) stdout += chunk.toString();
      tail = (tail + chunk.toString()).slice(-3000);
    };
    child.stdout.on('data', (chunk: Buffer) => collect(chunk, true));
    child.stderr.on('data', (chunk: Buffer) => collect(chunk, false));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveRun(stdout) : reject(new Error(`${command} ${args.join(' ')} exited ${code} (log: ${options.logFile}):\n${tail}`))));
  });
}

/** A short query (inspect, list): stdout, or undefined when the command fails. */
export function query(command: string, args: string[]): string | undefined {
  const out = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.status === 0 ? out.stdout : undefined;
}
