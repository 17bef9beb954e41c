// What a function did with a delivery, read from its log lines: the host process's file or, for a Knative
// Service, its pods' `function` container logs through the apiserver (npm run send follows either).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attemptsOf, eventsInLog, functionLogFile, podAttemptsOf } from '../../../dev/stack/functions/function-log';
import type { KubeRest, KubeResponse } from '../../../dev/stack/kube-rest';

const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 30, msg: 'event', function: 'pr-opened', ...fields });
const answered = (delivery: string, outcome: string, status: number) => line({ deliveryId: delivery, outcome, status });

describe('function log', () => {
  it('keeps only answer lines of the delivery: other deliveries, other messages and non-JSON lines are skipped', () => {
    const text = [
      answered('d-1', 'not-ready', 503),
      answered('d-2', 'resumed', 200),
      JSON.stringify({ msg: 'listening', deliveryId: 'd-1' }),
      'not json "deliveryId":"d-1"',
      answered('d-1', 'resumed', 200),
    ].join('\n');
    expect(eventsInLog(text, '"deliveryId":"d-1"').map((e) => `${e.outcome}/${e.status}`)).toEqual(['not-ready/503', 'resumed/200']);
  });

  it("reads a host process's file; none yet is no attempt", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'function-log-'));
    try {
      expect(await attemptsOf(dir, 'pr-opened', 'd-1')).toEqual([]);
      writeFileSync(functionLogFile(dir, 'pr-opened'), `${answered('d-1', 'resumed', 200)}\n`);
      expect((await attemptsOf(dir, 'pr-opened', 'd-1')).map((e) => e.outcome)).toEqual(['resumed']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads a Knative Service's pods, oldest first, through the apiserver; a pod with no log yet is skipped", async () => {
    const calls: string[] = [];
    const pods = [
      { metadata: { name: 'pr-opened-00002-deployment-b', creationTimestamp: '2026-12-03T10:00:05Z' } },
      { metadata: { name: 'pr-opened-00001-deployment-a', creationTimestamp: '2026-12-03T10:00:01Z' } },
      { metadata: { name: 'pr-opened-00002-deployment-c', creationTimestamp: '2026-12-03T10:00:09Z' } },
    ];
    const logs: Record<string, KubeResponse> = {
      'pr-opened-00001-deployment-a': { status: 200, body: undefined, text: `${answered('d-1', 'not-ready', 503)}\n${answered('d-9', 'resumed', 200)}\n` },
      'pr-opened-00002-deployment-b': { status: 200, body: undefined, text: `${answered('d-1', 'resumed', 200)}\n` },
      'pr-opened-00002-deployment-c': { status: 400, body: undefined, text: 'container "function" in pod is waiting to start: ContainerCreating' },
    };
    const rest = {
      call: async (method: string, path: string) => {
        calls.push(`${method} ${path}`);
        if (path.includes('/pods?')) return { status: 200, body: { items: pods }, text: '' };
        return logs[/\/pods\/([^/]+)\/log/.exec(path)![1]!]!;
      },
    } as unknown as KubeRest;
    const attempts = await podAttemptsOf(rest, 'argo', 'pr-opened', 'd-1');
    expect(attempts.map((e) => `${e.outcome}/${e.status}`)).toEqual(['not-ready/503', 'resumed/200']);
    expect(calls).toEqual([
      `GET /api/v1/namespaces/argo/pods?labelSelector=${encodeURIComponent('serving.knative.dev/service=pr-opened')}`,
      'GET /api/v1/namespaces/argo/pods/pr-opened-00001-deployment-a/log?container=function',
      'GET /api/v1/namespaces/argo/pods/pr-opened-00002-deployment-b/log?container=function',
      'GET /api/v1/namespaces/argo/pods/pr-opened-00002-deployment-c/log?container=function',
    ]);
  });

  it('says why when the pods cannot be listed', async () => {
    const rest = { call: async () => ({ status: 403, body: {}, text: 'pods is forbidden' }) } as unknown as KubeRest;
    await expect(podAttemptsOf(rest, 'argo', 'rex-push', 'd-1')).rejects.toThrow(/list the pods of rex-push: 403 pods is forbidden/);
  });
});
