// The manifest option sensorRetries: how the function Sensors retry an unsettled call. Shipped as 8 attempts
// from 2 s; the e2e stack shortens it (dev/stack/stack.ts E2E_SENSOR_RETRIES) and changes nothing else.
import { describe, expect, it } from 'vitest';
import { E2E_SENSOR_RETRIES } from '../../dev/stack/stack';
import { buildManifests, objectsOf, type GeneratedFile } from '../../manifests/index';
import { describeSensorRetries, retryWindowSeconds, SHIPPED_SENSOR_RETRIES } from '../../manifests/sensor-retries';

interface Trigger {
  template: { name: string };
  retryStrategy?: unknown;
  dlqTrigger?: { retryStrategy?: unknown };
}

const isFunctionSensor = (file: GeneratedFile) => file.path.startsWith('argo/events/sensors/');
const triggersOf = (files: GeneratedFile[]) => objectsOf<{ spec: { triggers: Trigger[] } }>(files, isFunctionSensor).flatMap((sensor) => sensor.spec.triggers);
/** Every trigger the Sensor retries: a call of its function, or a re-drive of a parked event (not the sweep). */
const retriedTriggers = (files: GeneratedFile[]) => triggersOf(files).filter((t) => /^(call|redrive)-/.test(t.template.name));

describe('manifest option sensorRetries', () => {
  it('unset: every call and re-drive trigger retries as shipped, 8 attempts from 2 s, factor 2', () => {
    const retried = retriedTriggers(buildManifests());
    expect(retried.map((t) => t.template.name)).toEqual(expect.arrayContaining(['call-pr-opened', 'call-approved', 'redrive-approved']));
    for (const trigger of retried) expect(trigger.retryStrategy, trigger.template.name).toEqual({ steps: 8, duration: '2s', factor: 2, jitter: 0.2 });
    expect(SHIPPED_SENSOR_RETRIES).toEqual({ steps: 8, duration: '2s', factor: 2, jitter: 0.2 });
  });

  it('set: those triggers retry as given; the dead-letter calls, the sweep and every other file stay as shipped', () => {
    const shipped = buildManifests();
    const shortened = buildManifests({ sensorRetries: E2E_SENSOR_RETRIES });
    for (const trigger of retriedTriggers(shortened)) expect(trigger.retryStrategy, trigger.template.name).toEqual(E2E_SENSOR_RETRIES);
    // With each retried trigger's own retryStrategy set back, the Sensors are the shipped ones.
    const restored = triggersOf(shortened).map((t) => (/^(call|redrive)-/.test(t.template.name) ? { ...t, retryStrategy: SHIPPED_SENSOR_RETRIES } : t));
    expect(restored).toEqual(triggersOf(shipped));
    expect(shortened.filter((f) => !isFunctionSensor(f))).toEqual(shipped.filter((f) => !isFunctionSensor(f)));
  });

  it('the e2e stack keeps the shipped attempts and factor, from 1 s: half the time before the dead-letter call', () => {
    expect(E2E_SENSOR_RETRIES).toEqual({ ...SHIPPED_SENSOR_RETRIES, duration: '1s' });
    expect(retryWindowSeconds(SHIPPED_SENSOR_RETRIES)).toBe(254); // 2 + 4 + … + 128
    expect(retryWindowSeconds(E2E_SENSOR_RETRIES)).toBe(127); // 1 + 2 + … + 64
    expect(describeSensorRetries(E2E_SENSOR_RETRIES)).toBe('8 attempts from 1s, factor 2 (127 s of sleeps before the dead-letter call)');
  });

  it('counts one sleep fewer than attempts, in the unit given', () => {
    expect(retryWindowSeconds({ steps: 1, duration: '5s', factor: 2, jitter: 0 })).toBe(0);
    expect(retryWindowSeconds({ steps: 4, duration: '500ms', factor: 1, jitter: 0 })).toBe(1.5);
    expect(retryWindowSeconds({ steps: 3, duration: '1m', factor: 3, jitter: 0 })).toBe(240);
  });

  it('refuses a strategy argo-events would not run as meant', () => {
    const build = (change: object) => () => buildManifests({ sensorRetries: { ...SHIPPED_SENSOR_RETRIES, ...change } });
    expect(build({ steps: 0 })).toThrow(/sensorRetries.steps must be a whole number/);
    expect(build({ steps: 2.5 })).toThrow(/sensorRetries.steps must be a whole number/);
    expect(build({ duration: '2' })).toThrow(/sensorRetries.duration must be a duration like 2s/);
    expect(build({ duration: '0s' })).toThrow(/sensorRetries.duration must be more than 0/);
    expect(build({ factor: 0.5 })).toThrow(/sensorRetries.factor must be 1 or more/);
    expect(build({ jitter: 2 })).toThrow(/sensorRetries.jitter must be between 0 and 1/);
  });
});
