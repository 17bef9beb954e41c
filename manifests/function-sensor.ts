/**
 * One Sensor per function: filters from the declaration, an HTTP trigger that tells retryable answers
 * apart, and, for a function that parks early events, a re-drive trigger fed by play workflow updates.
 */
import { WORKFLOW_LABELS, type FunctionDeclaration } from '../shared/declarations';
import { REDRIVE_ROUTE } from '../shared/http/read-redrive';
import { PARKED_ANNOTATION } from '../shared/kubernetes/workflow';
import type { ManifestOptions } from './options';
import { PLAY_WORKFLOWS_EVENT, PLAY_WORKFLOWS_EVENT_SOURCE } from './play-workflows-eventsource';
import { githubDependencies } from './sensor-filters';

export const sensorName = (declaration: FunctionDeclaration) => `handoff-${declaration.name}`;

/** Longer than a cold start plus the worst GitHub path (3 × 10 s attempts and backoff, see shared/github). */
export const TRIGGER_TIMEOUT_SECONDS = 60;

export const redriveDependency = (declaration: FunctionDeclaration) => `${declaration.name}-parked`;

const retried = (name: string) => ({
  // Only 200 means done: 4xx/5xx are retried, then dead-lettered (argo-events pkg/sensors/policy/status.go).
  policy: { status: { allow: [200] } },
  // retryStrategy and dlqTrigger only act with atLeastOnce (argo-events pkg/sensors/listener.go).
  atLeastOnce: true,
  retryStrategy: { steps: 8, duration: '2s', factor: 2, jitter: 0.2 },
  rateLimit: { unit: 'Second', requestsPerUnit: 20 },
  dlqTrigger: { template: { name: `dead-letter-${name}`, log: { intervalSeconds: 1 } }, atLeastOnce: true },
});

/** gjson path syntax: a dot inside a key is escaped. */
const gjsonKey = (key: string) => key.replaceAll('.', '\\.');

export function functionSensor(declaration: FunctionDeclaration, options: ManifestOptions) {
  // Read from the Sensor's Secret volume on every call (argo-events pkg/sensors/triggers/http/http.go Execute
  // → pkg/shared/util GetSecretFromVolume), so a changed key is sent without restarting the Sensor.
  const authorization = [{ name: 'Authorization', valueFrom: { secretKeyRef: { name: options.sensorTokenSecret.name, key: options.sensorTokenSecret.key } } }];
  const dependencies: object[] = [];
  const triggers: object[] = [];
  // One dependency and trigger per way of accepting an event (Argo Events ANDs one dependency's filters),
  // each trigger sending its own dependency's event; the first keeps the function's name.
  for (const dependency of githubDependencies(declaration, options.logins)) {
    dependencies.push({
      name: dependency.name,
      eventSourceName: options.eventSourceName,
      eventName: options.eventSourceName,
      filters: { data: dependency.filters },
    });
    const trigger = {
      name: `call-${dependency.name}`,
      // Without conditions a trigger waits for every dependency of the Sensor (argo-events listener.go getDependencyExpression).
      conditions: dependency.name,
      http: {
        url: options.functionUrl(declaration.name),
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        payload: [
          { src: { dependencyName: dependency.name, dataKey: 'headers', useRawData: true }, dest: 'headers' },
          { src: { dependencyName: dependency.name, dataKey: 'body', useRawData: true }, dest: 'body' },
        ],
        secureHeaders: authorization,
        timeout: TRIGGER_TIMEOUT_SECONDS,
      },
    };
    // Its own trigger, so its retries never hold up the GitHub events (each trigger consumes on its own).
    triggers.push({ template: trigger, ...retried(dependency.name) });
  }
  if (declaration.parkFrom?.length) {
    const parked = redriveDependency(declaration);
    dependencies.push({
      name: parked,
      eventSourceName: PLAY_WORKFLOWS_EVENT_SOURCE,
      eventName: PLAY_WORKFLOWS_EVENT,
      filters: {
        data: [
          // The play now waits for this function's event, and one of its events is parked on it.
          { path: `body.metadata.labels.${gjsonKey(WORKFLOW_LABELS.stage)}`, type: 'string', value: declaration.fromStages.map((stage) => `^${stage}$`) },
          { path: `body.metadata.annotations.${gjsonKey(PARKED_ANNOTATION)}`, type: 'string', value: [`"${declaration.name}"`] },
        ],
      },
    });
    triggers.push({
      template: {
        name: `redrive-${declaration.name}`,
        conditions: parked,
        http: {
          url: `${options.functionUrl(declaration.name).replace(/\/$/, '')}${REDRIVE_ROUTE}`,
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          payload: [{ src: { dependencyName: parked, dataKey: 'body.metadata.name' }, dest: 'workflow' }],
          secureHeaders: authorization,
          timeout: TRIGGER_TIMEOUT_SECONDS,
        },
      },
      ...retried(`redrive-${declaration.name}`),
    });
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: sensorName(declaration), namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff', 'handoff.dev/function': declaration.name } },
    spec: { eventBusName: options.eventBusName, dependencies, triggers },
  };
}
