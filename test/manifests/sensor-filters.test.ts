/**
 * The generated Sensor filters accept exactly what the function guards accept,
 * judged by a small evaluator of Argo Events data filters (gjson dotted paths,
 * Go regular expressions for the subset we generate, booleans).
 */
import { describe, expect, it } from 'vitest';
import { buildManifests } from '../../manifests/index';
import { escapeRegex, type DataFilter } from '../../manifests/sensor-filters';
import { filtersPass } from '../support/argo-filters';
import { DECLARATIONS } from '../../shared/declarations';
import type { FunctionDeclaration } from '../../shared/function-declaration';
import { DEFAULT_LOGINS } from '../../shared/play';
import { guardEvent } from '../../shared/guards/guard-event';
import { labeledEvent, pullRequestEvent, pushEvent, reviewEvent, sensorEnvelope } from '../fixtures/github-events';

const sensors = buildManifests().flatMap((file) => file.objects as any[]).filter((object) => object.kind === 'Sensor');
const sensorOf = (declaration: FunctionDeclaration) => sensors.find((sensor) => sensor.metadata.name === `handoff-${declaration.name}`);

const cases: [string, string, Record<string, any>][] = [
  ['pr opened', 'pull_request', pullRequestEvent('opened')],
  ['pr reopened', 'pull_request', pullRequestEvent('reopened')],
  ['pr closed', 'pull_request', pullRequestEvent('closed')],
  ['pr synchronize', 'pull_request', pullRequestEvent('synchronize')],
  ['ready-for-qa by Cleo', 'pull_request', labeledEvent('ready-for-qa')],
  ['ready-for-qa by lower-case Cleo', 'pull_request', labeledEvent('ready-for-qa', { sender: '5dlabs-cleo[bot]' })],
  ['ready-for-qa by someone else', 'pull_request', labeledEvent('ready-for-qa', { sender: 'octocat' })],
  ['ready-for-qa by a regex look-alike', 'pull_request', labeledEvent('ready-for-qa', { sender: '5DLabs-Cleob' })],
  ['ready-for-qa-2 label', 'pull_request', labeledEvent('ready-for-qa-2')],
  ['bug label by Cleo', 'pull_request', labeledEvent('bug')],
  ['task-7 label added by a person (PR created through the API)', 'pull_request', labeledEvent('task-7', { task: 7, labels: [], sender: 'octocat' })],
  ['task-7 label added by Rex', 'pull_request', labeledEvent('task-7', { task: 7, labels: [], sender: '5DLabs-Rex[bot]' })],
  ['task-7x label', 'pull_request', labeledEvent('task-7x', { task: 7 })],
  ['my-task-7 label', 'pull_request', labeledEvent('my-task-7', { task: 7 })],
  ['task- label', 'pull_request', labeledEvent('task-', { task: 7 })],
  ['task-7 unlabeled', 'pull_request', { ...labeledEvent('task-7', { task: 7 }), action: 'unlabeled' }],
  ['task-7 label on a review', 'pull_request_review', { ...reviewEvent('approved'), label: { name: 'task-7' } }],
  ['approved by Tess', 'pull_request_review', reviewEvent('approved')],
  ['APPROVED by Tess', 'pull_request_review', reviewEvent('APPROVED')],
  ['commented by Tess', 'pull_request_review', reviewEvent('commented')],
  ['approved by octocat', 'pull_request_review', reviewEvent('approved', { reviewer: 'octocat' })],
  ['push by Rex', 'push', pushEvent()],
  ['push by octocat', 'push', pushEvent({ sender: 'octocat' })],
  ['branch deleted by Rex', 'push', pushEvent({ deleted: true })],
  ['tag by Rex', 'push', pushEvent({ ref: 'refs/tags/task-1-v1' })],
];

describe.each(DECLARATIONS.map((d) => [d.name, d] as const))('%s Sensor', (_name, declaration) => {
  const sensor = sensorOf(declaration);
  const github = sensor.spec.dependencies.filter((d: any) => d.eventSourceName === 'github');
  const filters: DataFilter[][] = github.map((d: any) => d.filters.data);

  it.each(cases)('agrees with the guard on %s', (_what, event, payload) => {
    const data = sensorEnvelope(event, payload);
    // The Sensor fires when any of the function's GitHub dependencies passes.
    expect(filters.some((data_) => filtersPass({ data: data_ }, data))).toBe(guardEvent(declaration, event, payload, DEFAULT_LOGINS).accepted);
  });

  it('has one GitHub dependency per way of accepting an event, each with its own trigger sending its own event', () => {
    expect(github.map((d: any) => d.name)).toEqual([declaration.name, ...(declaration.alsoMatches ?? []).map((g) => `${declaration.name}-${g.name}`)]);
    for (const dependency of github) {
      const trigger = sensor.spec.triggers.find((t: any) => t.template.conditions === dependency.name);
      expect(trigger.template.name).toBe(`call-${dependency.name}`);
      expect(trigger.template.http.payload.map((p: any) => p.src.dependencyName)).toEqual([dependency.name, dependency.name]);
      expect(trigger.dlqTrigger.template.name).toBe(`dead-letter-${dependency.name}`);
    }
  });

  it('has every HTTP-trigger setting that makes delivery reliable and authenticated', () => {
    const [trigger] = sensor.spec.triggers;
    const http = trigger.template.http;
    expect(http.url).toBe(`http://${declaration.name}.argo.svc.cluster.local`);
    expect(http.method).toBe('POST');
    expect(http.payload).toEqual([
      { src: { dependencyName: declaration.name, dataKey: 'headers', useRawData: true }, dest: 'headers' },
      { src: { dependencyName: declaration.name, dataKey: 'body', useRawData: true }, dest: 'body' },
    ]);
    expect(http.secureHeaders).toEqual([{ name: 'Authorization', valueFrom: { secretKeyRef: { name: 'handoff-trigger-token', key: 'authorization' } } }]);
    expect(http.timeout).toBeGreaterThan(40);
    expect(trigger.atLeastOnce).toBe(true);
    // 200 and the permanent refusals end the attempt (the function dead-letters those first); 401, 500, 503 are retried.
    expect(trigger.policy).toEqual({ status: { allow: [200, 400, 404, 409, 413, 415, 422, 501] } });
    expect(trigger.retryStrategy).toMatchObject({ steps: expect.any(Number), factor: expect.any(Number), duration: expect.any(String) });
    expect(trigger.retryStrategy.factor).toBeGreaterThan(1);
    expect(trigger.rateLimit).toMatchObject({ unit: 'Second', requestsPerUnit: expect.any(Number) });
    // The last call: the same request to /dead-letter, which answers 200 only once the event is applied or kept.
    expect(trigger.dlqTrigger).toMatchObject({ atLeastOnce: true, policy: { status: { allow: [200] } }, template: { http: { ...http, url: `${http.url}/dead-letter` } } });
    expect(trigger.dlqTrigger.retryStrategy.steps).toBeGreaterThan(1);
  });

  it.skipIf(!declaration.parkFrom?.length)('sends a re-drive that did not apply to /parked/dead-letter', () => {
    const redrive = sensor.spec.triggers.find((t: any) => t.template.name === `redrive-${declaration.name}`);
    expect(redrive.dlqTrigger.template.http.url).toBe(`http://${declaration.name}.argo.svc.cluster.local/parked/dead-letter`);
    expect(redrive.dlqTrigger.template.http.payload).toEqual(redrive.template.http.payload);
  });
});

describe('escapeRegex', () => {
  it('makes bot logins literal for Go regular expressions', () => {
    expect(escapeRegex('5DLabs-Rex[bot]')).toBe('5DLabs-Rex\\[bot\\]');
    expect(new RegExp(`^${escapeRegex('a.b*c')}$`).test('aXbbc')).toBe(false);
  });
});

describe('re-drive dependencies (play workflow updates)', () => {
  const update = (stage: string, parked?: Record<string, unknown>, type = 'UPDATE') => ({
    type,
    body: { metadata: { name: 'play-7', labels: { 'workflow-type': 'play-orchestration', 'current-stage': stage }, annotations: parked ? { 'handoff.dev/parked-events': JSON.stringify(parked) } : {} } },
  });

  it.each(DECLARATIONS.filter((d) => d.parkFrom?.length).map((d) => [d.name, d] as const))('%s: fires only when the play waits for it and one of its events is parked', (_name, declaration) => {
    const sensor = sensorOf(declaration);
    const dependency = sensor.spec.dependencies.find((d: any) => d.eventSourceName === 'play-workflows');
    const trigger = sensor.spec.triggers.find((t: any) => t.template.name === `redrive-${declaration.name}`);
    expect(trigger.template.conditions).toBe(dependency.name);
    expect(trigger.template.http.url).toMatch(/\/parked$/);
    expect(trigger.template.http.payload).toEqual([{ src: { dependencyName: dependency.name, dataKey: 'body.metadata.name' }, dest: 'workflow' }]);
    const mine = { [declaration.name]: { keys: ['d-1'], at: 'x' } };
    const [waiting] = declaration.fromStages;
    expect(filtersPass(dependency.filters, update(waiting!, mine))).toBe(true);
    expect(filtersPass(dependency.filters, update(declaration.parkFrom![0]!, mine))).toBe(false); // not waiting yet
    expect(filtersPass(dependency.filters, update(waiting!))).toBe(false); // nothing parked
    expect(filtersPass(dependency.filters, update(waiting!, { 'rex-push': { keys: [], at: 'x' } }))).toBe(false); // another function's
    // The informer's ADD of a play already waiting with an event parked (the EventSource (re)started) re-drives too.
    expect(filtersPass(dependency.filters, update(waiting!, mine, 'ADD'))).toBe(true);
    expect(filtersPass(dependency.filters, update(declaration.parkFrom![0]!, mine, 'ADD'))).toBe(false);
  });

  it.each(DECLARATIONS.filter((d) => d.parkFrom?.length).map((d) => [d.name, d] as const))('%s: a sweep trigger on the parked-sweep calendar calls /parked/sweep, without retries', (_name, declaration) => {
    const sensor = sensorOf(declaration);
    const dependency = sensor.spec.dependencies.find((d: any) => d.eventSourceName === 'parked-sweep');
    expect(dependency).toMatchObject({ name: `${declaration.name}-sweep`, eventName: 'parked' });
    const trigger = sensor.spec.triggers.find((t: any) => t.template.conditions === dependency.name);
    expect(trigger.template.http.url).toBe(`http://${declaration.name}.argo.svc.cluster.local/parked/sweep`);
    expect(trigger.atLeastOnce).toBeUndefined();
    const calendar = buildManifests().flatMap((f) => f.objects as any[]).find((o) => o.kind === 'EventSource' && o.metadata.name === 'parked-sweep');
    expect(calendar.spec.calendar.parked).toEqual({ interval: '5m' });
  });

  it('the play-workflows EventSource reports ADD as well as UPDATE, so its start re-drives what it missed', () => {
    const source = buildManifests().flatMap((f) => f.objects as any[]).find((o) => o.kind === 'EventSource' && o.metadata.name === 'play-workflows');
    expect(source.spec.resource.workflows.eventTypes).toEqual(['ADD', 'UPDATE']);
    expect(source.spec.resource.workflows.filter.afterStart).toBeUndefined(); // the initial list must not be filtered out
  });

  it('every trigger names its own dependency, so none waits for the other (the default is all of them)', () => {
    for (const sensor of sensors.filter((s) => s.metadata.name.startsWith('handoff-'))) {
      for (const trigger of sensor.spec.triggers) expect(sensor.spec.dependencies.map((d: any) => d.name)).toContain(trigger.template.conditions);
    }
  });
});
