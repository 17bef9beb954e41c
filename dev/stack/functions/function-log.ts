// What the stack's functions did with each event: every answer is one JSON log line (`msg: "event"`,
// shared/http/create-app.ts `reply`), in <logDir>/function-<name>.log for the host processes and in the
// `function` container's log for the Knative Services' pods. Read by `npm run send` to show what became
// of a delivery, and by the e2e tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeRest } from '../kube-rest';

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

/** The marker of one delivery's lines. */
const deliveryMarker = (delivery: string) => `"deliveryId":${JSON.stringify(delivery)}`;

/** Every answer `fn` logged whose line contains `marker` (a JSON fragment such as `"deliveryId":"…"`). */
export async function loggedEvents(logDir: string, fn: string, marker: string): Promise<HandledEvent[]> {
  return eventsInLog(await readFile(functionLogFile(logDir, fn), 'utf8').catch(() => ''), marker);
}

/** The answers in a function's log text whose line contains `marker`; other lines are skipped. */
export function eventsInLog(text: string, marker: string): HandledEvent[] {
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
  return loggedEvents(logDir, fn, deliveryMarker(delivery));
}

/**
 * Every attempt the Knative Service `fn`'s pods logged for one delivery: the `function` container's log of
 * each pod of any Revision (label `serving.knative.dev/service`), oldest pod first, read through the apiserver.
 * A pod whose container has not started yet, or is already gone, has no log to read.
 */
export async function podAttemptsOf(rest: KubeRest, namespace: string, fn: string, delivery: string): Promise<HandledEvent[]> {
  const selector = encodeURIComponent(`serving.knative.dev/service=${fn}`);
  const pods = await rest.call<{ items: { metadata: { name: string; creationTimestamp?: string } }[] }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${selector}`);
  if (pods.status !== 200) throw new Error(`list the pods of ${fn}: ${pods.status} ${pods.text}`);
  const oldestFirst = [...pods.body.items].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  const attempts: HandledEvent[] = [];
  for (const pod of oldestFirst) {
    const log = await rest.call('GET', `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/log?container=function`);
    if (log.status === 200) attempts.push(...eventsInLog(log.text, deliveryMarker(delivery)));
  }
  return attempts;
}
