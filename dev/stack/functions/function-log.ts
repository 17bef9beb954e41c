// What the stack's functions did with each event: every answer is one JSON log line (`msg: "event"`,
// shared/http/create-app.ts `reply`) in <logDir>/function-<name>.log. Read by `npm run send` to show
// what became of a delivery, and by the e2e tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface HandledEvent {
  function: string;
  deliveryId?: string;
  task?: string;
  workflow?: string;
  outcome: string;
  status: number;
  reason?: string;
  deadLetter?: string;
  lastOutcome?: string;
}

export function functionLogFile(logDir: string, fn: string): string {
  return join(logDir, `function-${fn}.log`);
}

/** Every answer `fn` logged whose line contains `marker` (a JSON fragment such as `"deliveryId":"…"`). */
export async function loggedEvents(logDir: string, fn: string, marker: string): Promise<HandledEvent[]> {
  const text = await readFile(functionLogFile(logDir, fn), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => {
      try {
        return JSON.parse(line) as HandledEvent & { msg?: string };
      } catch {
        return undefined;
      }
    })
    .filter((e): e is HandledEvent & { msg?: string } => e?.msg === 'event');
}

/** Every attempt `fn` logged for one delivery, including failures logged before correlation (no task yet). */
export function attemptsOf(logDir: string, fn: string, delivery: string): Promise<HandledEvent[]> {
  return loggedEvents(logDir, fn, `"deliveryId":${JSON.stringify(delivery)}`);
}
