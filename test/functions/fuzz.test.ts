/**
 * Property test: mutated real payloads and envelopes never get a 5xx, and any
 * answer other than 200 comes with no write at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECLARATIONS } from '../../shared/declarations';
import { labeledEvent, pullRequestEvent, pushEvent, reviewEvent, sensorEnvelope } from '../fixtures/github-events';
import { FakeCodeRuns, FakePullRequests, FakeWorkflows, summary } from '../fakes/fake-clients';
import { testApp } from '../support/test-app';
import { mutatePayload, payloadPaths, weirdValues } from '../fixtures/payload-fuzz';

const seeds = [
  ['pull_request', pullRequestEvent('opened', { task: 7 })],
  ['pull_request', labeledEvent('ready-for-qa', { task: 7 })],
  ['pull_request_review', reviewEvent('approved', { task: 7 })],
  ['push', pushEvent({ task: 7 })],
] as const;

const weird = weirdValues(['task-7', 'task-7-x', 'refs/heads/task-7-x', 'refs/tags/v1', '5DLabs-Rex[bot]', 'APPROVED', 'ready-for-qa', '../../etc', '\u0000', 'a'.repeat(5000)]);

describe.each(DECLARATIONS.map((d) => [d.name, d] as const))('%s under fuzzing', (_name, declaration) => {
  function app() {
    const workflows = new FakeWorkflows();
    workflows.workflows = [summary('play-7', '7', declaration.fromStages[0] as string)];
    const codeRuns = new FakeCodeRuns();
    const pullRequests = new FakePullRequests();
    const { app: instance } = testApp({ declaration, workflows, codeRuns, pullRequests, recordedKeys: () => [], bodyLimitBytes: 64 * 1024 });
    const writes = () => workflows.resumes.length + workflows.decisions.length + codeRuns.calls.length + pullRequests.removals.length;
    return { instance, writes };
  }

  it('mutated payloads: never 5xx; anything but 200 writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), weird), { minLength: 1, maxLength: 4 }), async ([event, seed], edits) => {
        const all = payloadPaths(seed, 4);
        let payload = seed as Record<string, unknown>;
        for (const [index, value] of edits) payload = mutatePayload(payload, all[index % all.length] as string[], value);
        const { instance, writes } = app();
        const response = await instance.request('/', {
          method: 'POST',
          body: JSON.stringify(sensorEnvelope(event, payload as Record<string, any>, 'fuzz-1')),
          headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
        });
        expect(response.status).toBeLessThan(500);
        if (response.status !== 200) expect(writes()).toBe(0);
        expect(await response.json()).toHaveProperty('outcome');
      }),
      { numRuns: 500 },
    );
  });

  it('mutated envelopes and raw bodies: only 4xx, and no write', async () => {
    const rawBodies = fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.record({ headers: fc.jsonValue(), body: fc.jsonValue() }).map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(rawBodies, fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'), async (raw, contentType) => {
        const { instance, writes } = app();
        const response = await instance.request('/', { method: 'POST', body: raw, headers: { 'content-type': contentType, authorization: 'Bearer t' } });
        expect(response.status).toBeLessThan(500);
        expect(writes()).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('task IDs of any length in the label and the branch, up to the largest accepted body: never 5xx; over 63 digits 422 with no call at all', async () => {
    const bodyLimitBytes = 5 * 1024 * 1024; // BODY_LIMIT_BYTES' default
    const build = (id: string, where: string, suffix: string) => {
      const labelId = where === 'branch' || where === 'label and another branch' ? '7' : id;
      // A PR opened without labels (created through the API): pr-opened would read them live.
      const labels = where === 'branch, no labels' ? { labels: [] } : {};
      const branch = `task-${where === 'label' ? '7' : id}${suffix}`;
      const payload =
        declaration.event === 'push'
          ? pushEvent({ task: id, branch: `task-${id}${suffix}` })
          : declaration.event === 'pull_request_review'
            ? reviewEvent('approved', { task: labelId, branch })
            : declaration.name === 'pr-opened'
              ? pullRequestEvent('opened', { task: labelId, branch, ...labels })
              : labeledEvent('ready-for-qa', { task: labelId, branch });
      return JSON.stringify(sensorEnvelope(declaration.event, payload, 'fuzz-task-id'));
    };
    // Bytes per digit where the payload carries the ID most often (label, head.ref, head.label): keep the body under the limit.
    const bytesAt = (n: number) => Math.max(...['label and branch', 'label and another branch'].map((where) => Buffer.byteLength(build('1'.repeat(n), where, '-implementation'))));
    const perDigit = (bytesAt(1001) - bytesAt(1)) / 1000;
    const maxDigits = Math.floor((bodyLimitBytes - bytesAt(1) - 80 * perDigit) / perDigit) - 100;
    const length = fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 60, max: 200 }), fc.integer({ min: 1, max: maxDigits }), fc.constant(maxDigits));
    const digitString = fc.tuple(length, fc.integer({ min: 0, max: 9 }), fc.nat({ max: 80 })).map(([n, digit, zeros]) => '0'.repeat(zeros) + String(digit).repeat(n));
    const placement = fc.constantFrom('label and branch', 'label', 'branch', 'label and another branch', 'branch, no labels');
    await fc.assert(
      fc.asyncProperty(digitString, placement, fc.constantFrom('', '-x', '-implementation'), async (id, where, suffix) => {
        const workflows = new FakeWorkflows();
        workflows.workflows = [summary('play-7', '7', declaration.fromStages[0] as string)];
        const codeRuns = new FakeCodeRuns();
        const pullRequests = new FakePullRequests();
        const { post } = testApp({ declaration, workflows, codeRuns, pullRequests, recordedKeys: () => [], bodyLimitBytes });
        const body = build(id, where, suffix);
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(bodyLimitBytes);
        const response = await post(body);
        expect(response.status).toBeLessThan(500);
        const named = id.replace(/^0+(?=[0-9])/, '');
        if (named.length > 63) {
          expect(response.status).toBe(422);
          expect(await response.json()).toMatchObject({ outcome: 'mismatch', reason: expect.stringMatching(/at most 63/) });
          expect(workflows.lists).toEqual([]);
          expect(pullRequests.finds.length + pullRequests.labelReads.length).toBe(0); // no GitHub call either
        }
        if (response.status !== 200) expect(workflows.resumes.length + workflows.decisions.length + codeRuns.calls.length + pullRequests.removals.length).toBe(0);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it.skipIf(!declaration.parkFrom?.length)('re-drive bodies (POST /parked): only a valid workflow name reaches the cluster; the rest is 4xx without a call', async () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.record({ workflow: fc.oneof(fc.string(), fc.jsonValue()) }).map((value) => JSON.stringify(value)),
      fc.constantFrom('{"workflow":"play-7"}', '{"workflow":"Play 7"}', '{"workflow":"-x"}', `{"workflow":"${'a'.repeat(300)}"}`),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (raw) => {
        const { instance, writes } = app();
        const response = await instance.request('/parked', { method: 'POST', body: raw, headers: { 'content-type': 'application/json', authorization: 'Bearer t' } });
        expect(response.status).toBeLessThan(500);
        const valid = (() => {
          try {
            const name = (JSON.parse(raw) as { workflow?: unknown })?.workflow;
            return typeof name === 'string' && name.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name);
          } catch {
            return false;
          }
        })();
        if (!valid) {
          expect(response.status).toBe(400);
          expect(writes()).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
