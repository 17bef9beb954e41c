import pino, { type Logger } from 'pino';

export type { Logger };

/** One JSON line per record on stdout, as Knative log collection expects. */
export function createLogger(options: { level: string; function: string }): Logger {
  return pino({ level: options.level, base: { function: options.function }, timestamp: pino.stdTimeFunctions.isoTime });
}
