import { describe, expect, it } from 'vitest';
import { selectWorkflow } from '../../../shared/correlation/select-workflow';
import type { WorkflowSummary } from '../../../shared/kubernetes/types';

const wf = (name: string, labels: Record<string, string> = {}, keys: string[] = []): WorkflowSummary => ({
  name,
  namespace: 'argo',
  labels: { 'workflow-type': 'play-orchestration', 'task-id': '1', ...labels },
  annotations: { keys: JSON.stringify(keys) },
});
const args = {
  owner: 'Codertocat',
  repo: 'Hello-World',
  fromStages: ['waiting-pr-created'] as const,
  dedupKeys: ['delivery-1'],
  recordedKeys: (w: WorkflowSummary) => JSON.parse(w.annotations.keys ?? '[]') as string[],
};

describe('selectWorkflow', () => {
  it('picks the only live workflow', () => {
    expect(selectWorkflow([wf('a')], args)).toMatchObject({ ok: true, workflow: { name: 'a' } });
  });

  it('answers no-workflow when none exists, or only another repository has one', () => {
    expect(selectWorkflow([], args)).toMatchObject({ ok: false, outcome: 'no-workflow' });
    expect(selectWorkflow([wf('other', { repository: 'someone-else' })], args)).toMatchObject({ ok: false, outcome: 'no-workflow' });
  });

  it('matches the repository label case-insensitively', () => {
    expect(selectWorkflow([wf('a', { repository: 'codertocat-hello-world' })], args)).toMatchObject({ ok: true });
  });

  it('answers ambiguous for two live workflows and never picks one', () => {
    const result = selectWorkflow([wf('a', { 'current-stage': 'quality-in-progress' }), wf('b', { 'current-stage': 'completed' })], args);
    expect(result).toMatchObject({ ok: false, outcome: 'ambiguous', reason: expect.stringMatching(/a, b/) });
  });

  it('lets the stage narrow several live workflows to exactly one', () => {
    const result = selectWorkflow([wf('a', { 'current-stage': 'quality-in-progress' }), wf('b', { 'current-stage': 'waiting-pr-created' })], args);
    expect(result).toMatchObject({ ok: true, workflow: { name: 'b' } });
  });

  it('answers duplicate when any candidate recorded the delivery, completed ones included', () => {
    const done = wf('done', { 'workflows.argoproj.io/completed': 'true' }, ['delivery-1']);
    expect(selectWorkflow([done, wf('live')], args)).toMatchObject({ ok: false, outcome: 'duplicate', workflow: 'done' });
  });

  it('answers already-done when the task only has completed workflows', () => {
    const done = wf('done', { 'workflows.argoproj.io/completed': 'true' });
    expect(selectWorkflow([done], args)).toMatchObject({ ok: false, outcome: 'already-done', workflow: 'done' });
  });
});
