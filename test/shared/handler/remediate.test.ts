import { describe, expect, it } from 'vitest';
import { REX_PUSH } from '../../../shared/declarations';
import { GitHubUnavailableError } from '../../../shared/github/types';
import { remediate } from '../../../shared/handler/remediate';
import { startDeadline } from '../../../shared/handler/remediation-budget';
import { FakeCodeRuns, FakePullRequests, FakeWorkflows } from '../../fakes/fake-clients';

function options(pullRequests = new FakePullRequests(), budgetMs = 50) {
  const workflows = new FakeWorkflows();
  const codeRuns = new FakeCodeRuns();
  return {
    workflows, codeRuns, pullRequests,
    run: () =>
      remediate({
        declaration: REX_PUSH,
        correlation: { taskId: '7', owner: 'Codertocat', repo: 'Hello-World', branch: 'task-7-implementation' },
        workflow: 'play-7',
        pushKey: 'sha:aa',
        dedupKeys: ['d-1', 'sha:aa'],
        dryRun: false,
        workflows, codeRuns, pullRequests,
        resumeRequest: { name: 'play-7', actor: 'rex-push', suspendNodes: REX_PUSH.suspendNodes, fromStages: REX_PUSH.fromStages, nextStage: REX_PUSH.nextStage, dedupKeys: ['d-1', 'sha:aa'] },
        deadline: startDeadline(budgetMs),
      }),
  };
}

describe('remediate within its GitHub budget', () => {
  it('GitHub stalls: the attempt answers GitHubUnavailableError within the budget, after the CodeRun deletion ran to its end; no resume', async () => {
    class Stalled extends FakePullRequests {
      override listOpenByBranch(): Promise<never> { return new Promise(() => undefined); }
    }
    const t = options(new Stalled());
    const started = performance.now();
    await expect(t.run()).rejects.toThrow(GitHubUnavailableError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(t.codeRuns.calls).toHaveLength(1);
    expect(t.workflows.resumes).toEqual([]);
  });

  it('the listing runs beside the Kubernetes steps, not after them', async () => {
    const order: string[] = [];
    class Slow extends FakePullRequests {
      override async listOpenByBranch(owner: string, repo: string, branch: string) {
        order.push('list-start');
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push('list-end');
        return super.listOpenByBranch(owner, repo, branch);
      }
    }
    const t = options(new Slow(), 1_000);
    const decide = t.workflows.decision;
    t.workflows.decision = (request) => { order.push('decide'); return decide(request); };
    expect((await t.run()).resume.outcome).toBe('resumed');
    expect(order).toEqual(['list-start', 'decide', 'list-end']);
  });

  it('not applicable (between steps): nothing deleted, no label removed, no resume, whatever GitHub does', async () => {
    const t = options(undefined, 1_000);
    t.workflows.decision = () => ({ outcome: 'not-ready', reason: 'between steps' });
    expect((await t.run()).resume).toMatchObject({ outcome: 'not-ready', reason: 'between steps' });
    expect(t.codeRuns.calls).toEqual([]);
    expect(t.pullRequests.removals).toEqual([]);
    expect(t.workflows.resumes).toEqual([]);
  });
});
