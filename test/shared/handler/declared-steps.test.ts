// The handler runs what a declaration lists (Prow style), never a per-function case: these declarations are
// made up for the test, and each one gets exactly the effects its steps name.
import { describe, expect, it } from 'vitest';
import { DECLARATIONS, REX_PUSH } from '../../../shared/declarations';
import { callsGitHub, interruptsWork, stepOf, type FunctionDeclaration } from '../../../shared/function-declaration';
import { remediate } from '../../../shared/handler/remediate';
import { createHandler } from '../../../shared/handler/handle-event';
import { FakeCodeRuns, FakePullRequests, FakeWorkflows } from '../../fakes/fake-clients';

const correlation = { taskId: '7', owner: 'Codertocat', repo: 'Hello-World', branch: 'task-7-implementation' };

function run(declaration: FunctionDeclaration, clients: { codeRuns?: FakeCodeRuns; pullRequests?: FakePullRequests }) {
  const workflows = new FakeWorkflows();
  const dedupKeys = ['d-1', 'sha:aa'];
  const result = remediate({
    declaration,
    correlation,
    workflow: 'play-7',
    pushKey: 'sha:aa',
    dedupKeys,
    dryRun: false,
    workflows,
    ...clients,
    resumeRequest: { name: 'play-7', actor: declaration.name, suspendNodes: declaration.suspendNodes, fromStages: declaration.fromStages, nextStage: declaration.nextStage, dedupKeys },
  });
  return { result, workflows };
}

describe('declared steps', () => {
  it('every declaration ends with resume; only rex-push interrupts work: Cleo and Tess cancelled, ready-for-qa removed', () => {
    for (const declaration of DECLARATIONS) expect(declaration.steps.at(-1)).toEqual({ do: 'resume' });
    expect(DECLARATIONS.filter(interruptsWork).map((d) => d.name)).toEqual(['rex-push']);
    expect(stepOf(REX_PUSH, 'cancel-coderuns')).toEqual({ do: 'cancel-coderuns', agents: ['cleo', 'tess'] });
    expect(stepOf(REX_PUSH, 'remove-label')).toEqual({ do: 'remove-label', label: 'ready-for-qa' });
    expect(Object.fromEntries(DECLARATIONS.map((d) => [d.name, callsGitHub(d)]))).toEqual({
      'pr-opened': { required: false, optional: true },
      'labeled-ready-for-qa': { required: false, optional: false },
      approved: { required: false, optional: false },
      'rex-push': { required: true, optional: false },
    });
  });

  it('cancel-coderuns lists and deletes only the declared agents\' CodeRuns', async () => {
    const codeRuns = new FakeCodeRuns();
    const declaration: FunctionDeclaration = { ...REX_PUSH, steps: [{ do: 'cancel-coderuns', agents: ['tess'] }, { do: 'resume' }] };
    const { result, workflows } = run(declaration, { codeRuns });
    const { resume, steps } = await result;
    expect(codeRuns.lists.map((list) => list.githubApps)).toEqual([['5DLabs-Tess']]);
    expect(codeRuns.calls).toHaveLength(1);
    expect(steps?.labels).toEqual([]);
    expect(resume.outcome).toBe('resumed');
    expect(workflows.resumes).toHaveLength(1);
  });

  it('remove-label alone removes the declared label from the branch\'s open PRs, with no CodeRun client at all', async () => {
    const pullRequests = new FakePullRequests();
    pullRequests.pullRequests = [{ number: 3, labels: ['needs-review'] }, { number: 4, labels: ['ready-for-qa'] }];
    const declaration: FunctionDeclaration = { ...REX_PUSH, steps: [{ do: 'remove-label', label: 'needs-review' }, { do: 'resume' }] };
    const { result } = run(declaration, { pullRequests });
    const { steps } = await result;
    expect(pullRequests.removals).toEqual([{ issueNumber: 3, label: 'needs-review' }]);
    expect(steps?.labels).toEqual([{ pullRequest: 3, result: 'removed' }, { pullRequest: 4, result: 'absent' }]);
    expect(steps?.codeRuns).toEqual([]);
  });

  it('a declared step without its client is refused when the handler is built, not at the first event', () => {
    const base = { logins: { rex: [], cleo: [], tess: [] }, correlation: 'strict' as const, dryRun: false, workflows: new FakeWorkflows(), recordedKeys: () => [] };
    expect(() => createHandler({ ...base, declaration: REX_PUSH, pullRequests: new FakePullRequests() })).toThrow(/cancels CodeRuns: it needs the CodeRun client/);
    expect(() => createHandler({ ...base, declaration: REX_PUSH, codeRuns: new FakeCodeRuns() })).toThrow(/removes a PR label: it needs the GitHub client/);
    const noResume: FunctionDeclaration = { ...REX_PUSH, steps: [{ do: 'remove-label', label: 'x' }] };
    expect(() => createHandler({ ...base, declaration: noResume, pullRequests: new FakePullRequests() })).toThrow(/last declared step must be resume/);
  });
});
