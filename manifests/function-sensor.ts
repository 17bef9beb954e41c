/**
 * One Sensor per function: filters from the declaration, an HTTP trigger that tells retryable answers
 * apart, and, for a function that parks early events, a re-drive trigger fed by play workflow updates.
 */
import type { FunctionDeclaration } from '../shared/function-declaration';
import type { ManifestOptions } from './options';
import { PARKED_SWEEP_EVENT, PARKED_SWEEP_EVENT_SOURCE } from './parked-sweep-eventsource';
import { PLAY_WORKFLOWS_EVENT, PLAY_WORKFLOWS_EVENT_SOURCE } from './play-workflows-eventsource';
import { githubDependencies } from './sensor-filters';
import type { SensorRetries } from './sensor-retries';
import { DEAD_LETTER_SUFFIX, OUTCOME_STATUS, PERMANENT_OUTCOMES, REDRIVE_ROUTE, SWEEP_ROUTE, PARKED_ANNOTATION, WORKFLOW_LABELS } from '../shared/contract';

export const sensorName = (declaration: FunctionDeclaration) => `handoff-${declaration.name}`;

/** Longer than a cold start plus the worst GitHub path (3 × 10 s attempts and backoff, see shared/github). */
export const TRIGGER_TIMEOUT_SECONDS = 60;

export const redriveDependency = (declaration: FunctionDeclaration) => `${declaration.name}-parked`;
export const sweepDependency = (declaration: FunctionDeclaration) => `${declaration.name}-sweep`;

/**
 * The statuses that end an attempt: 200, and the permanent refusals no retry can change (400, 404, 409, 413, 415,
 * 422, 501), which the function answers only after keeping the event as a dead letter (shared/http/create-app.ts).
 * Anything else (401, 500, 503, a connection error, a timeout) is retried.
 */
export const ACCEPTED_STATUSES = [...new Set([200, ...PERMANENT_OUTCOMES.map((outcome) => OUTCOME_STATUS[outcome])])].sort((a, b) => a - b);

/** The dead-letter call's own retries (5 attempts from 5 s, about 2.5 min): while the function is unreachable. */
export const DEAD_LETTER_RETRY_STRATEGY = { steps: 5, duration: '5s', factor: 2, jitter: 0.2 };

interface HttpTemplate {
  readonly name: string;
  readonly conditions: string;
  readonly http: { readonly url: string } & Record<string, unknown>;
}

/**
 * A call the Sensor retries (argo-events pkg/sensors/listener.go: actionFunc wraps triggerActions in DoWithRetry
 * with retryStrategy, and runs dlqTrigger once the retries are spent; both only with atLeastOnce, which makes the
 * call synchronous). The dead-letter trigger sends the same request to `<route>/dead-letter`, where the function
 * tries once more and keeps the event as a dead letter if it still does not apply; only its 200 ends it.
 */
const retried = (template: HttpTemplate, retries: SensorRetries) => ({
  template,
  // pkg/sensors/policy/status.go: a status outside `allow` fails the attempt.
  policy: { status: { allow: ACCEPTED_STATUSES } },
  atLeastOnce: true,
  retryStrategy: retries,
  rateLimit: { unit: 'Second', requestsPerUnit: 20 },
  dlqTrigger: {
    template: { ...template, name: `dead-letter-${template.name.replace(/^call-/, '')}`, http: { ...template.http, url: `${template.http.url.replace(/\/$/, '')}${DEAD_LETTER_SUFFIX}` } },
    policy: { status: { allow: [200] } },
    atLeastOnce: true,
    retryStrategy: DEAD_LETTER_RETRY_STRATEGY,
  },
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
    const trigger: HttpTemplate = {
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
    triggers.push(retried(trigger, options.sensorRetries));
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
    triggers.push(
      retried({
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
      }, options.sensorRetries),
    );
    // The periodic sweep: no retries (the next tick sweeps again), so it never holds up anything.
    const sweep = sweepDependency(declaration);
    dependencies.push({ name: sweep, eventSourceName: PARKED_SWEEP_EVENT_SOURCE, eventName: PARKED_SWEEP_EVENT });
    triggers.push({
      template: {
        name: `sweep-${declaration.name}`,
        conditions: sweep,
        http: {
          url: `${options.functionUrl(declaration.name).replace(/\/$/, '')}${SWEEP_ROUTE}`,
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          payload: [{ src: { dependencyName: sweep, contextKey: 'time' }, dest: 'at' }],
          secureHeaders: authorization,
          timeout: TRIGGER_TIMEOUT_SECONDS,
        },
      },
      policy: { status: { allow: [200] } },
    });
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: sensorName(declaration), namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff', 'handoff.dev/function': declaration.name } },
    spec: { eventBusName: options.eventBusName, dependencies, triggers },
  };
}
