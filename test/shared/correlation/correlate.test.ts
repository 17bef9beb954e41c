import { describe, expect, it } from 'vitest';
import { correlate } from '../../../shared/correlation/correlate';
import { parsePayload, type ParsedPayload } from '../../../shared/correlation/payloads';
import { branchFromRef, taskIdFromBranch, taskIdsFromLabels } from '../../../shared/correlation/task-id';
import { pullRequestEvent, pushEvent } from '../../fixtures/github-events';

const parsed = (event: 'pull_request' | 'push', payload: unknown): ParsedPayload => {
  const result = parsePayload(event, payload);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};

describe('task IDs', () => {
  it.each([
    ['task-12-login-form', '12'],
    ['task-12', '12'],
    ['feature/task-3-implementation', '3'],
    ['users/rex/task-0042-x', '42'],
    ['task-12x', undefined],
    ['my-task-12-x', undefined],
    ['feature/tasks-1-x', undefined],
    ['main', undefined],
  ])('branch %s names task %s', (branch, task) => {
    expect(taskIdFromBranch(branch)).toBe(task);
  });

  it('collects distinct task labels and ignores others', () => {
    expect(taskIdsFromLabels(['task-5', 'ready-for-qa', 'task-05', 'task-x', 'run-abc'])).toEqual(['5']);
    expect(taskIdsFromLabels(['task-5', 'task-6'])).toEqual(['5', '6']);
  });

  it('reads branches from refs and refuses tags', () => {
    expect(branchFromRef('refs/heads/task-1-x')).toBe('task-1-x');
    expect(branchFromRef('refs/tags/task-1-x')).toBeUndefined();
  });
});

describe('correlate', () => {
  it('accepts a PR whose label and branch agree', () => {
    const result = correlate(parsed('pull_request', pullRequestEvent('opened', { task: 9 })), 'strict');
    expect(result).toMatchObject({ ok: true, correlation: { taskId: '9', branch: 'task-9-implementation' } });
  });

  it('answers mismatch when the label and the branch disagree', () => {
    const result = correlate(parsed('pull_request', pullRequestEvent('opened', { task: 9, branch: 'task-10-x' })), 'strict');
    expect(result).toMatchObject({ ok: false, outcome: 'mismatch', reason: expect.stringMatching(/task-9.*task 10/) });
  });

  it('answers mismatch for several distinct task labels', () => {
    const result = correlate(parsed('pull_request', pullRequestEvent('opened', { task: 9, labels: ['task-9', 'task-10'] })), 'either');
    expect(result).toMatchObject({ ok: false, outcome: 'mismatch', reason: expect.stringMatching(/several task labels/) });
  });

  it('answers mismatch for a PR from a fork, and from a deleted fork', () => {
    const fork = pullRequestEvent('opened', { task: 9 });
    fork.pull_request.head.repo.full_name = 'someone/fork';
    expect(correlate(parsed('pull_request', fork), 'either')).toMatchObject({ ok: false, outcome: 'mismatch', reason: expect.stringMatching(/someone\/fork/) });
    fork.pull_request.head.repo = null;
    expect(correlate(parsed('pull_request', fork), 'either')).toMatchObject({ ok: false, outcome: 'mismatch', reason: expect.stringMatching(/deleted fork/) });
  });

  it('in strict mode needs both sources; in either mode one suffices', () => {
    const labelOnly = parsed('pull_request', pullRequestEvent('opened', { task: 4, branch: 'fix-things' }));
    const branchOnly = parsed('pull_request', pullRequestEvent('opened', { task: 4, labels: [] }));
    expect(correlate(labelOnly, 'strict')).toMatchObject({ ok: false, outcome: 'mismatch' });
    expect(correlate(branchOnly, 'strict')).toMatchObject({ ok: false, outcome: 'mismatch' });
    expect(correlate(labelOnly, 'either')).toMatchObject({ ok: true, correlation: { taskId: '4' } });
    expect(correlate(branchOnly, 'either')).toMatchObject({ ok: true, correlation: { taskId: '4' } });
  });

  it('ignores a PR with no task at all', () => {
    const none = parsed('pull_request', pullRequestEvent('opened', { branch: 'docs', labels: ['documentation'] }));
    expect(correlate(none, 'strict')).toMatchObject({ ok: false, outcome: 'ignored' });
  });

  it('takes a push task from its ref', () => {
    const payload = pushEvent({ task: 33, branch: 'feature/task-33-api' });
    expect(correlate(parsed('push', payload), 'strict')).toMatchObject({ ok: true, correlation: { taskId: '33', branch: 'feature/task-33-api' } });
    expect(correlate(parsed('push', pushEvent({ ref: 'refs/heads/main' })), 'strict')).toMatchObject({ ok: false, outcome: 'ignored' });
    expect(correlate(parsed('push', pushEvent({ ref: 'refs/tags/task-3-v1' })), 'strict')).toMatchObject({ ok: false, outcome: 'ignored' });
  });
});

describe('task IDs longer than a label value', () => {
  const digits = (n: number) => '9'.repeat(n);

  it.each([
    ['label and branch', { task: digits(64) }],
    ['label only', { task: digits(64), branch: 'fix-things' }],
    ['branch only', { task: digits(64), labels: [] }],
    ['a short label with a long branch', { task: 7, branch: `task-${digits(500)}-x` }],
  ])('answers mismatch, naming the limit, for a 64-digit task ID in the %s', (_what, options) => {
    for (const mode of ['strict', 'either'] as const) {
      expect(correlate(parsed('pull_request', pullRequestEvent('opened', options)), mode)).toMatchObject({
        ok: false,
        outcome: 'mismatch',
        reason: expect.stringMatching(/digits; a task-id label value holds at most 63/),
      });
    }
  });

  it('answers mismatch for a push to a branch with a 64-digit task ID', () => {
    expect(correlate(parsed('push', pushEvent({ branch: `task-${digits(64)}-x` })), 'strict')).toMatchObject({ ok: false, outcome: 'mismatch', reason: expect.stringMatching(/at most 63/) });
  });

  it('accepts 63 digits, and counts after leading zeros are dropped', () => {
    expect(correlate(parsed('pull_request', pullRequestEvent('opened', { task: digits(63) })), 'strict')).toMatchObject({ ok: true, correlation: { taskId: digits(63) } });
    const padded = `${'0'.repeat(100)}7`;
    expect(correlate(parsed('pull_request', pullRequestEvent('opened', { task: padded })), 'strict')).toMatchObject({ ok: true, correlation: { taskId: '7' } });
    expect(correlate(parsed('push', pushEvent({ branch: `task-${padded}-x` })), 'strict')).toMatchObject({ ok: true, correlation: { taskId: '7' } });
  });

  it('keeps the reason short however long the ID is', () => {
    const result = correlate(parsed('push', pushEvent({ branch: `task-${digits(100_000)}` })), 'strict');
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result).length).toBeLessThan(400);
  });
});

describe('parsePayload', () => {
  it('rejects payloads that lack what correlation needs, naming the field', () => {
    const payload = pullRequestEvent();
    delete payload.pull_request.head;
    expect(parsePayload('pull_request', payload)).toMatchObject({ ok: false, reason: expect.stringMatching(/pull_request\.head/) });
    expect(parsePayload('push', { ref: 'refs/heads/x' })).toMatchObject({ ok: false, reason: expect.stringMatching(/after/) });
  });
});
