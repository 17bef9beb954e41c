/** One Sensor per function: filters from the declaration, an HTTP trigger that tells retryable answers apart. */
import type { FunctionDeclaration } from '../shared/declarations';
import type { ManifestOptions } from './options';
import { dataFilters } from './sensor-filters';

export const sensorName = (declaration: FunctionDeclaration) => `handoff-${declaration.name}`;

/** Longer than a cold start plus the worst GitHub path (3 × 10 s attempts and backoff, see shared/github). */
export const TRIGGER_TIMEOUT_SECONDS = 60;

export function functionSensor(declaration: FunctionDeclaration, options: ManifestOptions) {
  const dependency = declaration.name;
  const trigger = {
    name: `call-${declaration.name}`,
    http: {
      url: options.functionUrl(declaration.name),
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      payload: [
        { src: { dependencyName: dependency, dataKey: 'headers', useRawData: true }, dest: 'headers' },
        { src: { dependencyName: dependency, dataKey: 'body', useRawData: true }, dest: 'body' },
      ],
      secureHeaders: [
        { name: 'Authorization', valueFrom: { secretKeyRef: { name: options.triggerTokenSecret.name, key: options.triggerTokenSecret.key } } },
      ],
      timeout: TRIGGER_TIMEOUT_SECONDS,
    },
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: sensorName(declaration), namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff', 'handoff.dev/function': declaration.name } },
    spec: {
      eventBusName: options.eventBusName,
      dependencies: [
        {
          name: dependency,
          eventSourceName: options.eventSourceName,
          eventName: options.eventSourceName,
          filters: { data: dataFilters(declaration, options.logins) },
        },
      ],
      triggers: [
        {
          template: trigger,
          // Only 200 means done: 4xx/5xx are retried, then dead-lettered (argo-events pkg/sensors/policy/status.go).
          policy: { status: { allow: [200] } },
          // retryStrategy and dlqTrigger only act with atLeastOnce (argo-events pkg/sensors/listener.go).
          atLeastOnce: true,
          retryStrategy: { steps: 8, duration: '2s', factor: 2, jitter: 0.2 },
          rateLimit: { unit: 'Second', requestsPerUnit: 20 },
          dlqTrigger: {
            template: { name: `dead-letter-${declaration.name}`, log: { intervalSeconds: 1 } },
            atLeastOnce: true,
          },
        },
      ],
    },
  };
}
