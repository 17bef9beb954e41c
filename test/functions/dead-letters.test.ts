/**
 * An event that does not apply is kept as a dead letter by the function before it answers: at once for a
 * permanent refusal (which the Sensor's policy accepts, so no other event waits behind it), and on the Sensor's
 * last call (`/dead-letter`, its dlqTrigger) for anything still unsettled. Through the in-process app.
 */
import { Webhooks } from '@octokit/webhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { APPROVED, PR_OPENED } from '../../shared/declarations';
import { REQUEST_LIMIT_BYTES, deadLetterName } from '../../shared/dead-letters/dead-letter';
import { KubernetesUnavailableError } from '../../shared/kubernetes/types';
import { reviewEvent, sensorEnvelope } from '../fixtures/github-events';
import { MemoryDeadLetters } from '../fakes/memory-dead-letters';
import { FakeCodeRuns, FakePullRequests, FakeWorkflows, summary } from '../fakes/fake-clients';
import { testApp } from '../support/test-app';

const TOKEN = 'trigger-token';
const SECRET = 'webhook-secret';

function setup(declaration = APPROVED, bodyLimitBytes?: number) {
  const workflows = new FakeWorkflows();
  const deadLetters = new MemoryDeadLetters();
  const t = testApp({
    declaration,
    workflows,
    codeRuns: new FakeCodeRuns(),
    pullRequests: new FakePullRequests(),
    recordedKeys: () => [],
    triggerTokens: [TOKEN],
    webhookSecrets: [SECRET],
    deadLetters,
    bodyLimitBytes,
  });
  const send = async (route: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const response = await t.app.request(route, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  return { ...t, workflows, deadLetters, send };
}

const approval = (delivery: string, task = 7) => sensorEnvelope('pull_request_review', reviewEvent('approved', { task }), delivery);

describe('permanent answers are kept as dead letters, then answered', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('404 no-workflow: one dead letter with the delivery ID, the answer, the route and the exact request', async () => {
    const request = approval('d-404');
    const answer = await t.send('/', request);
    expect(answer).toMatchObject({ status: 404, body: { outcome: 'no-workflow', deliveryId: 'd-404', deadLetter: deadLetterName('approved', 'd-404') } });
    const [letter] = await t.deadLetters.list();
    expect(letter).toMatchObject({ id: answer.body.deadLetter, function: 'approved', deliveryId: 'd-404', route: '/', status: 404, outcome: 'no-workflow', reason: answer.body.reason });
    expect(JSON.parse(letter!.request!)).toEqual(request);
    expect(letter!.requestBytes).toBe(Buffer.byteLength(JSON.stringify(request)));
  });

  it('409 ambiguous and 422 mismatch are kept too; a second refusal of the same delivery replaces its dead letter', async () => {
    t.workflows.workflows = [summary('play-a', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' }), summary('play-b', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' })];
    expect(await t.send('/', approval('d-1'))).toMatchObject({ status: 409, body: { outcome: 'ambiguous' } });
    const mismatch = reviewEvent('approved', { task: 7 });
    mismatch.pull_request.head.ref = 'task-8-other';
    expect(await t.send('/', sensorEnvelope('pull_request_review', mismatch, 'd-2'))).toMatchObject({ status: 422, body: { outcome: 'mismatch' } });
    expect(await t.send('/', approval('d-1'))).toMatchObject({ status: 409 });
    expect((await t.deadLetters.list()).map((l) => [l.deliveryId, l.outcome]).sort()).toEqual([['d-1', 'ambiguous'], ['d-2', 'mismatch']]);
    expect(t.deadLetters.recorded).toHaveLength(3);
  });

  it('400 bad-request keeps what it can: the delivery ID from the envelope, or a fresh key', async () => {
    const broken = { headers: { 'X-Github-Event': ['pull_request_review'], 'X-Github-Delivery': ['d-bad'] }, body: 'not an object' };
    expect(await t.send('/', broken)).toMatchObject({ status: 400, body: { outcome: 'bad-request' } });
    expect(await t.send('/', '{not json')).toMatchObject({ status: 400 });
    const letters = await t.deadLetters.list();
    expect(letters.map((l) => l.deliveryId).sort()).toEqual(['d-bad', undefined].sort());
    expect(letters.find((l) => l.deliveryId === undefined)?.request).toBe('{not json');
  });

  it('answers nothing a retry can fix, nor anything settled, with a dead letter', async () => {
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' })];
    expect(await t.send('/', approval('d-ok'))).toMatchObject({ status: 200, body: { outcome: 'resumed' } });
    t.workflows.resumeResult = () => {
      throw new KubernetesUnavailableError('down');
    };
    expect(await t.send('/', approval('d-503'))).toMatchObject({ status: 503, body: { outcome: 'not-ready' } });
    expect(await t.deadLetters.list()).toEqual([]);
  });

  it('never for an unauthenticated caller: 401 writes nothing, whatever the body', async () => {
    expect(await t.send('/', approval('d-x'), { authorization: 'Bearer wrong' })).toMatchObject({ status: 401 });
    expect(await t.send('/', '{not json', {})).toMatchObject({ status: 401 });
    expect(await t.send('/dead-letter', approval('d-y'), { authorization: 'Bearer wrong' })).toMatchObject({ status: 401 });
    expect(t.deadLetters.recorded).toEqual([]);
  });

  it('a direct GitHub delivery with a permanent refusal is kept as well, as the envelope a replay with a token sends', async () => {
    const payload = JSON.stringify(reviewEvent('approved', { task: 7 }));
    const signature = await new Webhooks({ secret: SECRET }).sign(payload);
    const answer = await t.send('/', payload, { 'x-github-event': 'pull_request_review', 'x-github-delivery': 'd-gh', 'x-hub-signature-256': signature });
    expect(answer).toMatchObject({ status: 404, body: { deadLetter: deadLetterName('approved', 'd-gh') } });
    const [letter] = await t.deadLetters.list();
    expect(letter).toMatchObject({ deliveryId: 'd-gh', route: '/' });
    expect(JSON.parse(letter!.request!)).toEqual({ headers: { 'X-Github-Event': ['pull_request_review'], 'X-Github-Delivery': ['d-gh'] }, body: JSON.parse(payload) });
    // Replayed with the bearer token, it is the same event again.
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' })];
    expect(await t.send('/', letter!.request!)).toMatchObject({ status: 200, body: { outcome: 'resumed', deliveryId: 'd-gh' } });
  });

  it('when the dead letter cannot be written the answer is 503, so the Sensor retries instead of moving on', async () => {
    t.deadLetters.failures = 1;
    const answer = await t.send('/', approval('d-store-down'));
    expect(answer).toMatchObject({ status: 503, body: { outcome: 'not-ready', reason: expect.stringMatching(/dead letter could not be recorded/) } });
    expect(await t.send('/', approval('d-store-down'))).toMatchObject({ status: 404 });
    expect((await t.deadLetters.list()).map((l) => l.deliveryId)).toEqual(['d-store-down']);
  });

  it('keeps an event over the size cap without its request, saying how big it was', async () => {
    const big = reviewEvent('approved', { task: 7 });
    big.review.body = 'x'.repeat(REQUEST_LIMIT_BYTES);
    const answer = await t.send('/', sensorEnvelope('pull_request_review', big, 'd-big'));
    expect(answer.status).toBe(404);
    const [letter] = await t.deadLetters.list();
    expect(letter).toMatchObject({ deliveryId: 'd-big', request: undefined });
    expect(letter!.requestBytes).toBeGreaterThan(REQUEST_LIMIT_BYTES);
  });

  it('413 from the Sensor (bearer token, body not read) is kept without a request; an anonymous 413 is not', async () => {
    const small = setup(APPROVED, 64);
    expect(await small.send('/', approval('d-413'))).toMatchObject({ status: 413, body: { outcome: 'payload-too-large', deadLetter: expect.any(String) } });
    expect(await small.send('/', approval('d-413b'), {})).toMatchObject({ status: 413 });
    expect((await small.deadLetters.list()).map((l) => [l.outcome, l.request])).toEqual([['payload-too-large', undefined]]);
  });
});

describe("the Sensor's last call (/dead-letter, its dlqTrigger)", () => {
  it('tries once more: an event that now applies answers as usual and leaves no dead letter', async () => {
    const t = setup();
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved', { repository: 'codertocat-hello-world' })];
    expect(await t.send('/dead-letter', approval('d-late'))).toMatchObject({ status: 200, body: { outcome: 'resumed' } });
    expect(t.deadLetters.recorded).toEqual([]);
  });

  it('an event still not ready is kept with its last answer and answered 200 dead-lettered', async () => {
    const t = setup();
    t.workflows.workflows = [summary('play-7', '7', 'quality-in-progress', { repository: 'codertocat-hello-world' })];
    t.workflows.resumeResult = (request) => ({ outcome: 'not-ready', workflow: request.name, reason: 'wait-pr-approved is not active yet', attempts: 1 });
    const answer = await t.send('/dead-letter', approval('d-early'));
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'dead-lettered', lastOutcome: 'not-ready', deliveryId: 'd-early', deadLetter: deadLetterName('approved', 'd-early') } });
    expect((await t.deadLetters.list())[0]).toMatchObject({ deliveryId: 'd-early', status: 503, outcome: 'not-ready', route: '/', reason: answer.body.reason });
  });

  it('a store that is down answers 503 there too (the dlqTrigger retries)', async () => {
    const t = setup();
    t.deadLetters.failures = 5;
    expect(await t.send('/dead-letter', approval('d-x'))).toMatchObject({ status: 503 });
  });

  it('a re-drive that does not apply is kept with route /parked and its workflow as key', async () => {
    const t = setup(PR_OPENED);
    t.workflows.resumeResult = () => {
      throw new KubernetesUnavailableError('down');
    };
    const answer = await t.send('/parked/dead-letter', { workflow: 'play-9' });
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'dead-lettered', lastOutcome: 'not-ready' } });
    expect((await t.deadLetters.list())[0]).toMatchObject({ id: deadLetterName('pr-opened', 'parked:play-9'), route: '/parked', request: '{"workflow":"play-9"}' });
  });
});
