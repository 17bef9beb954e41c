/**
 * How a function Sensor retries a call its function did not settle (the call and the re-drive triggers'
 * `retryStrategy`). argo-events runs it with apimachinery's wait.ExponentialBackoff (pkg/shared/util
 * DoWithRetry → Convert2WaitBackoff): `steps` attempts, `steps - 1` sleeps from `duration`, each `factor`
 * times the last, each lengthened by up to `jitter` of itself; then the dead-letter trigger runs.
 */
export interface SensorRetries {
  readonly steps: number;
  /** A Go duration (time.ParseDuration) of whole or decimal ms, s or m, e.g. `2s`. */
  readonly duration: string;
  readonly factor: number;
  readonly jitter: number;
}

/** As shipped: 8 attempts from 2 s, factor 2 (254 s of sleeps, about 4.5 min with jitter and the calls). */
export const SHIPPED_SENSOR_RETRIES: SensorRetries = { steps: 8, duration: '2s', factor: 2, jitter: 0.2 };

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60 };

function durationSeconds(duration: string): number {
  const match = DURATION.exec(duration);
  if (!match) throw new Error(`sensorRetries.duration must be a duration like 2s or 500ms, got "${duration}"`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

/** The option as given, or an error naming what argo-events would not run as meant. */
export function checkedSensorRetries(retries: SensorRetries): SensorRetries {
  if (!Number.isInteger(retries.steps) || retries.steps < 1) throw new Error(`sensorRetries.steps must be a whole number of attempts, 1 or more, got ${retries.steps}`);
  if (durationSeconds(retries.duration) <= 0) throw new Error(`sensorRetries.duration must be more than 0, got "${retries.duration}"`);
  if (!(retries.factor >= 1)) throw new Error(`sensorRetries.factor must be 1 or more, got ${retries.factor}`);
  if (!(retries.jitter >= 0 && retries.jitter <= 1)) throw new Error(`sensorRetries.jitter must be between 0 and 1, got ${retries.jitter}`);
  return { steps: retries.steps, duration: retries.duration, factor: retries.factor, jitter: retries.jitter };
}

/** The shortest time from the first attempt to the last: the sleeps between them without jitter, in seconds. */
export function retryWindowSeconds(retries: SensorRetries): number {
  let sleep = durationSeconds(retries.duration);
  let total = 0;
  for (let attempt = 1; attempt < retries.steps; attempt += 1) {
    total += sleep;
    sleep *= retries.factor;
  }
  return total;
}

/** E.g. `8 attempts from 2s, factor 2 (254 s of sleeps before the dead-letter call)`. */
export function describeSensorRetries(retries: SensorRetries): string {
  return `${retries.steps} attempts from ${retries.duration}, factor ${retries.factor} (${retryWindowSeconds(retries)} s of sleeps before the dead-letter call)`;
}
