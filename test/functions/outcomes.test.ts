/**
 * Every outcome, in every function, through the in-process app (`app.request()`),
 * driven by real @octokit/webhooks-examples payloads adapted to a task.
 */
import { Webhooks } from '@octokit/webhooks';
import { beforeEach, describe, expect, it } from 'vitest';
import { APPROVED, DECLARATIONS, LABELED_READY_FOR_QA, PR_OPENED, REX_PUSH } from '../../shared/declarations';
import { interruptsWork, type FunctionDeclaration } from '../../shared/function-declaration';
import { GitHubUnavailableError } from '../../shared/github/types';
import { KubernetesUnavailableError, OffloadedNodeStatusError, type WorkflowSummary } from '../../shared/kubernetes/types';
import { labeledEvent, pullRequestEvent, pushEvent, reviewEvent, sensorEnvelope } from '../fixtures/github-events';
import { FakeCodeRuns, FakePullRequests, FakeWorkflows, summary } from '../fakes/fake-clients';
import { testApp } from '../support/test-app';

const TOKEN = 'trigger-token';
const SECRET = 'webhook-secret';

/** A valid event for each function, for task 7, and the stage its workflow waits in. */
const VALID: Record<string, { event: string; payload: () => Record<string, any>; stage: string }> = {
  [PR_OPENED.name]: { event: 'pull_request', payload: () => pullRequestEvent('opened', { task: 7 }), stage: 'waiting-pr-created' },
  [LABELED_READY_FOR_QA.name]: { event: 'pull_request', payload: () => labeledEvent('ready-for-qa', { task: 7 }), stage: 'waiting-ready-for-qa' },
  [APPROVED.name]: { event: 'pull_request_review', payload: () => reviewEvent('approved', { task: 7 }), stage: 'waiting-pr-approved' },
  [REX_PUSH.name]: { event: 'push', payload: () => pushEvent({ task: 7 }), stage: 'waiting-ready-for-qa' },
};

function setup(declaration: FunctionDeclaration, options: { dryRun?: boolean; bodyLimitBytes?: number } = {}) {
  const workflows = new FakeWorkflows();
  const codeRuns = new FakeCodeRuns();
  const pullRequests = new FakePullRequests();
  const { app, metrics, post } = testApp({
    declaration,
    workflows,
    codeRuns,
    pullRequests,
    recordedKeys: (workflow: WorkflowSummary) => JSON.parse(workflow.annotations['test/keys'] ?? '[]') as string[],
    triggerTokens: [TOKEN],
    webhookSecrets: [SECRET],
    retryAfterSeconds: 7,
    ...options,
  });
  /** Writes or GitHub calls the function made. */
  const sideEffects = () => workflows.resumes.length + workflows.decisions.length + codeRuns.calls.length + pullRequests.removals.length;
  return { app, post, workflows, codeRuns, pullRequests, metrics, sideEffects };
}

describe.each(DECLARATIONS.map((declaration) => [declaration.name, declaration] as const))('%s', (name, declaration) => {
  const valid = VALID[name]!;
  let t: ReturnType<typeof setup>;
  const envelope = (payload = valid.payload(), delivery = 'delivery-1') => sensorEnvelope(valid.event, payload, delivery);

  beforeEach(() => {
    t = setup(declaration);
    t.workflows.workflows = [summary('play-7', '7', valid.stage, { repository: 'codertocat-hello-world' })];
  });

  it(`200 ${interruptsWork(declaration) ? 'remediated' : 'resumed'}: resumes exactly the task's workflow in one write`, async () => {
    const response = await t.post(envelope());
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({
      outcome: interruptsWork(declaration) ? 'remediated' : 'resumed',
      function: name,
      deliveryId: 'delivery-1',
      task: '7',
      workflow: 'play-7',
    });
    expect(t.workflows.resumes).toHaveLength(1);
    expect(t.workflows.resumes[0]).toMatchObject({
      name: 'play-7',
      suspendNodes: declaration.suspendNodes,
      fromStages: declaration.fromStages,
      nextStage: declaration.nextStage,
      dedupKeys: expect.arrayContaining(['delivery-1']),
    });
    expect(await t.metrics.registry.getSingleMetricAsString('handoff_events_total')).toContain(
      `handoff_events_total{function="${name}",outcome="${body.outcome}"} 1`,
    );
  });

  it('200 ignored: an event of another type, with no side effect', async () => {
    const other = valid.event === 'push' ? 'pull_request' : 'push';
    const response = await t.post(sensorEnvelope(other, valid.event === 'push' ? pullRequestEvent() : pushEvent(), 'd-other'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining(`is not ${valid.event}`) });
    expect(t.sideEffects()).toBe(0);
  });

  it('200 ignored: the right event from the wrong sender or with another action', async () => {
    const payload = valid.payload();
    if (valid.event === 'push') payload.sender.login = 'octocat';
    else if (name === LABELED_READY_FOR_QA.name) payload.sender.login = 'octocat';
    else if (name === APPROVED.name) payload.review.user.login = 'octocat';
    else payload.action = 'closed';
    const response = await t.post(envelope(payload));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'ignored' });
    expect(t.sideEffects()).toBe(0);
  });

  it('200 ignored: no task', async () => {
    const payload = valid.payload();
    if (valid.event === 'push') payload.ref = 'refs/heads/main';
    else {
      payload.pull_request.head.ref = 'docs-update';
      payload.pull_request.labels = payload.pull_request.labels.filter((label: { name: string }) => !label.name.startsWith('task-'));
    }
    const response = await t.post(envelope(payload));
    expect(await response.json()).toMatchObject({ outcome: 'ignored' });
    expect(response.status).toBe(200);
    expect(t.sideEffects()).toBe(0);
  });

  it('200 duplicate: a redelivery the workflow already recorded, with no side effect', async () => {
    t.workflows.workflows = [{ ...summary('play-7', '7', declaration.nextStage), annotations: { 'test/keys': JSON.stringify(['delivery-1']) } }];
    const response = await t.post(envelope());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'duplicate', workflow: 'play-7' });
    expect(t.sideEffects()).toBe(0);
  });

  it('200 duplicate and 200 already-done, when the resume write finds them', async () => {
    t.workflows.resumeResult = (request) => ({ outcome: 'duplicate', workflow: request.name, attempts: 2, reason: 'recorded by a concurrent delivery' });
    expect(await (await t.post(envelope())).json()).toMatchObject({ outcome: 'duplicate', reason: 'recorded by a concurrent delivery' });
    t.workflows.resumeResult = (request) => ({ outcome: 'already-done', workflow: request.name, attempts: 1, reason: 'stage is completed' });
    const response = await t.post(envelope(valid.payload(), 'delivery-2'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'already-done' });
  });

  it('200 already-done: the task only has a completed workflow', async () => {
    t.workflows.workflows = [summary('play-7', '7', 'completed', { 'workflows.argoproj.io/completed': 'true' })];
    const response = await t.post(envelope());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'already-done', workflow: 'play-7' });
    expect(t.sideEffects()).toBe(0);
  });

  it('400: malformed JSON and a payload that fails the schema, with no side effect', async () => {
    const malformed = await t.post('{"headers": {');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ outcome: 'bad-request', reason: expect.stringMatching(/malformed JSON/) });
    const payload = valid.payload();
    delete payload.repository;
    const invalid = await t.post(envelope(payload));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ outcome: 'bad-request', reason: expect.stringMatching(/repository/) });
    expect(t.sideEffects()).toBe(0);
  });

  it('401: a wrong token, and no credentials, with no side effect', async () => {
    const wrong = await t.post(envelope(), { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ outcome: 'unauthorized' });
    const none = await t.app.request('/', { method: 'POST', body: JSON.stringify(envelope()), headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(401);
    expect(t.sideEffects() + t.workflows.lists.length).toBe(0);
  });

  it('413: a body over the limit, with no side effect', async () => {
    const small = setup(declaration, { bodyLimitBytes: 1024 });
    const payload = valid.payload();
    payload.padding = 'x'.repeat(2048);
    const response = await small.post(sensorEnvelope(valid.event, payload));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ outcome: 'payload-too-large' });
    expect(small.sideEffects()).toBe(0);
  });

  it('415: a body that is not JSON', async () => {
    const response = await t.post('payload=%7B%7D', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ outcome: 'unsupported-media-type' });
  });

  it('404 no-workflow: no workflow exists for the task', async () => {
    t.workflows.workflows = [summary('play-8', '8', valid.stage)];
    const response = await t.post(envelope());
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ outcome: 'no-workflow', task: '7' });
    expect(t.sideEffects()).toBe(0);
  });

  it('409 ambiguous: two live workflows match, and neither is touched', async () => {
    t.workflows.workflows = [summary('play-7-a', '7', valid.stage), summary('play-7-b', '7', valid.stage)];
    const response = await t.post(envelope());
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ outcome: 'ambiguous', reason: expect.stringMatching(/play-7-a, play-7-b/) });
    expect(t.sideEffects()).toBe(0);
  });

  it('503 not-ready with Retry-After: the suspend node is not active yet', async () => {
    t.workflows.resumeResult = (request) => ({ outcome: 'not-ready', workflow: request.name, attempts: 1, reason: 'wait-x is not active yet' });
    const response = await t.post(envelope());
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toMatchObject({ outcome: 'not-ready', reason: 'wait-x is not active yet' });
  });

  it('503 not-ready: the Kubernetes API is unavailable', async () => {
    t.workflows.listForTask = async () => {
      throw new KubernetesUnavailableError('connect ECONNREFUSED 127.0.0.1:6443');
    };
    const response = await t.post(envelope());
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toMatchObject({ outcome: 'not-ready', deliveryId: 'delivery-1', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('501 unsupported: offloaded node status gets a clear answer', async () => {
    t.workflows.resumeResult = () => {
      throw new OffloadedNodeStatusError('play-7 has offloaded node status (version abc)');
    };
    const response = await t.post(envelope());
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ outcome: 'unsupported', reason: expect.stringMatching(/offloaded.*Argo Server/) });
  });

  it('500 only for bugs, without leaking the error', async () => {
    t.workflows.resumeResult = () => {
      throw new TypeError('cannot read properties of undefined');
    };
    const response = await t.post(envelope());
    expect(response.status).toBe(500);
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({ outcome: 'internal-error', deliveryId: 'delivery-1' });
    expect(JSON.stringify(body)).not.toContain('undefined');
  });

  it('accepts a direct GitHub delivery signed with the webhook secret', async () => {
    const raw = JSON.stringify(valid.payload());
    const response = await t.app.request('/', {
      method: 'POST',
      body: raw,
      headers: {
        'content-type': 'application/json',
        'x-github-event': valid.event,
        'x-github-delivery': 'direct-1',
        'x-hub-signature-256': await new Webhooks({ secret: SECRET }).sign(raw),
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ deliveryId: 'direct-1', workflow: 'play-7' });
  });

  it('DRY_RUN: reads, plans and writes nothing', async () => {
    const dry = setup(declaration, { dryRun: true });
    dry.workflows.workflows = t.workflows.workflows;
    dry.workflows.resumeResult = (request) => ({ outcome: 'resumed', workflow: request.name, attempts: 1, planned: { dryRun: request.dryRun, stage: request.nextStage } });
    const response = await dry.post(envelope());
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({ dryRun: true, planned: { dryRun: true, stage: declaration.nextStage } });
    expect(dry.workflows.resumes.every((request) => request.dryRun)).toBe(true);
    expect(dry.codeRuns.calls.every((call) => call.dryRun)).toBe(true);
    expect(dry.workflows.decisions.every((request) => request.dryRun)).toBe(true);
    expect(dry.pullRequests.removals).toEqual([]);
  });
});

describe('pull-request functions', () => {
  it.each([PR_OPENED, LABELED_READY_FOR_QA, APPROVED])('%s answers 422 mismatch when label and branch disagree, and for a fork', async (declaration) => {
    const t = setup(declaration);
    const valid = VALID[declaration.name]!;
    const payload = valid.payload();
    payload.pull_request.head.ref = 'task-8-other';
    const response = await t.post(sensorEnvelope(valid.event, payload));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ outcome: 'mismatch' });

    const fork = valid.payload();
    fork.pull_request.head.repo.full_name = 'mallory/hello-world';
    const forked = await t.post(sensorEnvelope(valid.event, fork));
    expect(forked.status).toBe(422);
    expect(t.sideEffects() + t.workflows.lists.length).toBe(0);
  });
});

describe('a task ID longer than a label value (63 characters)', () => {
  const long = '9'.repeat(64);
  const events: Record<string, () => Record<string, any>> = {
    [PR_OPENED.name]: () => pullRequestEvent('opened', { task: long }),
    [LABELED_READY_FOR_QA.name]: () => labeledEvent('ready-for-qa', { task: long }),
    [APPROVED.name]: () => reviewEvent('approved', { task: long }),
    [REX_PUSH.name]: () => pushEvent({ task: long }),
  };

  it.each(DECLARATIONS.map((d) => [d.name, d] as const))('%s answers 422 mismatch with a reason, before any Kubernetes or GitHub call', async (name, declaration) => {
    const t = setup(declaration);
    t.workflows.workflows = [summary('play-7', '7', VALID[name]!.stage)];
    // The apiserver refuses such a label selector with 400, which would surface as 500.
    t.workflows.listForTask = async (taskId) => {
      t.workflows.lists.push(taskId);
      throw new Error('unable to parse requirement: values[0][task-id]: Invalid value: must be no more than 63 characters');
    };
    const response = await t.post(sensorEnvelope(VALID[name]!.event, events[name]!()));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ outcome: 'mismatch', reason: expect.stringMatching(/64 digits; a task-id label value holds at most 63/) });
    expect(t.workflows.lists).toEqual([]);
    expect(t.sideEffects()).toBe(0);
  });
});

describe('rex-push', () => {
  it('cancels Cleo and Tess CodeRuns of this workflow, removes ready-for-qa, resets and restarts QA', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved')];
    const payload = pushEvent({ task: 7, after: 'a'.repeat(40) });
    const response = await t.post(sensorEnvelope('push', payload, 'push-1'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({
      outcome: 'remediated',
      steps: {
        codeRuns: [{ name: 'cleo-run', result: 'deleted' }],
        labels: [{ pullRequest: 1, result: 'removed' }],
        resume: { outcome: 'resumed' },
      },
    });
    expect(t.codeRuns.lists).toEqual([{ taskId: '7', workflowName: 'play-7', githubApps: ['5DLabs-Cleo', '5DLabs-Tess'] }]);
    expect(t.workflows.decisions).toMatchObject([{ name: 'play-7', key: `sha:${'a'.repeat(40)}`, candidates: t.codeRuns.runs, dryRun: false }]);
    expect(t.codeRuns.calls).toEqual([{ runs: t.codeRuns.runs, dryRun: false }]);
    expect(t.pullRequests.finds).toEqual(['Codertocat/Hello-World:task-7-implementation']);
    expect(t.pullRequests.removals).toEqual([{ issueNumber: 1, label: 'ready-for-qa' }]);
    expect(t.workflows.resumes[0]).toMatchObject({
      nextStage: 'quality-in-progress',
      outputs: { decision: 'restart' },
      clearParked: true,
      remediationKey: `sha:${'a'.repeat(40)}`,
      dedupKeys: ['push-1', `sha:${'a'.repeat(40)}`],
    });
    // A gate waits: the resume must find it (no nodeOptional), else a redelivery decides again.
    expect(t.workflows.resumes[0]?.nodeOptional).toBeUndefined();
    expect(t.workflows.resumes[0]?.keepStageWithoutNode).toBeUndefined();
  });

  it('while Cleo or Tess runs: the decided cancellation is deleted, and the resume keeps the stage the record moved unless a gate waits by then', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'testing-in-progress')];
    const tess = { name: 'tess-run', uid: 'uid-tess', githubApp: '5DLabs-Tess', phase: 'Running' };
    t.workflows.decision = () => ({ outcome: 'decided', mode: 'cancel', codeRuns: [tess] });
    const body = (await (await t.post(sensorEnvelope('push', pushEvent({ task: 7 }), 'push-c'))).json()) as Record<string, any>;
    expect(body).toMatchObject({ outcome: 'remediated', steps: { decision: 'cancel', codeRuns: [{ name: 'tess-run', result: 'deleted' }] } });
    expect(t.codeRuns.calls).toEqual([{ runs: [tess], dryRun: false }]);
    expect(t.workflows.resumes[0]).toMatchObject({ keepStageWithoutNode: true, clearParked: true });
  });

  it('between steps (no gate waiting, no QA CodeRun running): 503 not-ready, nothing deleted, no label removed, no resume', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'testing-in-progress')];
    t.workflows.decision = () => ({ outcome: 'not-ready', reason: 'between steps' });
    const response = await t.post(sensorEnvelope('push', pushEvent({ task: 7 }), 'push-b'));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ outcome: 'not-ready', reason: 'between steps' });
    expect(t.codeRuns.calls).toEqual([]);
    expect(t.pullRequests.removals).toEqual([]);
    expect(t.workflows.resumes).toEqual([]);
  });

  it('does nothing while QA has not started: Rex pushes all the time while implementing', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-created')];
    const response = await t.post(sensorEnvelope('push', pushEvent({ task: 7 })));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/not yet in quality-in-progress, .* \(stage waiting-pr-created\)/) });
    expect(t.sideEffects()).toBe(0);
  });

  it('does nothing once the play has ended (completed, or failed after too many agent failures)', async () => {
    for (const stage of ['completed', 'failed']) {
      const t = setup(REX_PUSH);
      t.workflows.workflows = [summary('play-7', '7', stage)];
      const response = await t.post(sensorEnvelope('push', pushEvent({ task: 7 })));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ outcome: 'ignored', reason: `the play has ended (stage ${stage})` });
      expect(t.sideEffects()).toBe(0);
    }
  });

  it('treats a head SHA already handled as a duplicate, whatever the delivery ID', async () => {
    const t = setup(REX_PUSH);
    const sha = 'b'.repeat(40);
    t.workflows.workflows = [{ ...summary('play-7', '7', 'waiting-pr-created'), annotations: { 'test/keys': JSON.stringify(['push-1', `sha:${sha}`]) } }];
    const response = await t.post(sensorEnvelope('push', pushEvent({ task: 7, after: sha }), 'push-2'));
    expect(await response.json()).toMatchObject({ outcome: 'duplicate' });
    expect(t.sideEffects()).toBe(0);
  });

  it('skips the label when the PR no longer has it, and when there is no open PR', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'testing-in-progress')];
    t.pullRequests.pullRequests = [{ number: 3, labels: ['task-7'] }];
    expect(((await (await t.post(sensorEnvelope('push', pushEvent({ task: 7 })))).json()) as any).steps.labels).toEqual([{ pullRequest: 3, result: 'absent' }]);
    t.pullRequests.pullRequests = [];
    expect(((await (await t.post(sensorEnvelope('push', pushEvent({ task: 7 })))).json()) as any).steps.labels).toEqual([]);
    expect(t.pullRequests.removals).toEqual([]);
  });

  it('removes ready-for-qa from every open PR of the branch, not only the first', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved')];
    t.pullRequests.pullRequests = [
      { number: 12, labels: ['task-7', 'ready-for-qa'] },
      { number: 20, labels: ['task-7'] },
      { number: 31, labels: ['ready-for-qa'] },
    ];
    const body = (await (await t.post(sensorEnvelope('push', pushEvent({ task: 7 })))).json()) as any;
    expect(body).toMatchObject({ outcome: 'remediated' });
    expect(body.steps.labels).toEqual([
      { pullRequest: 12, result: 'removed' },
      { pullRequest: 20, result: 'absent' },
      { pullRequest: 31, result: 'removed' },
    ]);
    expect(t.pullRequests.removals).toEqual([
      { issueNumber: 12, label: 'ready-for-qa' },
      { issueNumber: 31, label: 'ready-for-qa' },
    ]);
  });

  it('when one removal fails, answers 503 and writes nothing to the workflow (a redelivery redoes every PR)', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'waiting-pr-approved')];
    t.pullRequests.pullRequests = [
      { number: 12, labels: ['ready-for-qa'] },
      { number: 31, labels: ['ready-for-qa'] },
    ];
    const remove = t.pullRequests.removeLabel.bind(t.pullRequests);
    t.pullRequests.removeLabel = async (owner, repo, issueNumber, label) => {
      if (issueNumber === 31) throw new GitHubUnavailableError('GitHub answered 502 after retries');
      return remove(owner, repo, issueNumber, label);
    };
    const response = await t.post(sensorEnvelope('push', pushEvent({ task: 7 })));
    expect(response.status).toBe(503);
    expect(t.workflows.resumes).toEqual([]);
  });

  it('answers 503 with GitHub\'s Retry-After when GitHub is unavailable, before the resume write', async () => {
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'waiting-ready-for-qa')];
    t.pullRequests.listOpenByBranch = async () => {
      throw new GitHubUnavailableError('secondary rate limit', 60);
    };
    const response = await t.post(sensorEnvelope('push', pushEvent({ task: 7 })));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(t.workflows.resumes).toEqual([]);
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness and Prometheus metrics', async () => {
    const t = setup(PR_OPENED);
    expect((await t.app.request('/healthz')).status).toBe(200);
    expect((await t.app.request('/readyz')).status).toBe(200);
    const metrics = await t.app.request('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await metrics.text()).toContain('handoff_events_total');
  });
});

describe('GitHub refusals', () => {
  it('answers 503 with an actionable reason when GitHub refuses the credentials, so the event is retried or dead-lettered', async () => {
    const { GitHubRequestError } = await import('../../shared/github/types');
    const t = setup(REX_PUSH);
    t.workflows.workflows = [summary('play-7', '7', 'waiting-ready-for-qa')];
    t.pullRequests.listOpenByBranch = async () => {
      throw new GitHubRequestError('Bad credentials', 401);
    };
    const response = await t.post(sensorEnvelope('push', pushEvent({ task: 7 })));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ outcome: 'not-ready', reason: expect.stringMatching(/GitHub refused the call \(401\).*App installation/) });
    expect(t.workflows.resumes).toEqual([]);
  });
});
