/** Prow-style fakes of the narrow client interfaces: they record every call and answer what the test sets. */
import type { PullRequestRef, PullRequests } from '../../shared/github/types';
import type { CodeRunDeletion, CodeRunRef, CodeRuns, PlayWorkflows, RemediationDecision, RemediationRequest, ResumeRequest, ResumeResult, WorkflowSummary } from '../../shared/kubernetes/types';

export class FakeWorkflows implements PlayWorkflows {
  workflows: WorkflowSummary[] = [];
  resumeResult: (request: ResumeRequest) => ResumeResult | Promise<ResumeResult> = (request) => ({
    outcome: 'resumed',
    workflow: request.name,
    node: { id: `${request.name}-1`, displayName: request.suspendNodes[0] ?? '' },
    fromStage: request.fromStages[0],
    toStage: request.nextStage,
    attempts: 1,
  });
  readonly lists: string[] = [];
  readonly resumes: ResumeRequest[] = [];

  async listForTask(taskId: string): Promise<WorkflowSummary[]> {
    this.lists.push(taskId);
    return this.workflows.filter((workflow) => workflow.labels['task-id'] === taskId);
  }

  async listInStages(stages: readonly string[]): Promise<WorkflowSummary[]> {
    return this.workflows.filter((workflow) => stages.includes(workflow.labels['current-stage'] ?? ''));
  }

  async resume(request: ResumeRequest): Promise<ResumeResult> {
    this.resumes.push(request);
    return this.resumeResult(request);
  }

  /** rex-push's decision; default: a gate waits, so every listed CodeRun goes. */
  decision: (request: RemediationRequest) => RemediationDecision = (request) => ({ outcome: 'decided', mode: 'gate', codeRuns: request.candidates });
  readonly decisions: RemediationRequest[] = [];

  async decideRemediation(request: RemediationRequest): Promise<RemediationDecision> {
    this.decisions.push(request);
    return this.decision(request);
  }
}

export class FakeCodeRuns implements CodeRuns {
  runs: CodeRunRef[] = [{ name: 'cleo-run', uid: 'uid-cleo-run', githubApp: '5DLabs-Cleo', phase: 'Succeeded' }];
  readonly lists: Parameters<CodeRuns['listForWorkflow']>[0][] = [];
  /** Every deletion asked for (dry runs included). */
  readonly calls: { runs: CodeRunRef[]; dryRun?: boolean }[] = [];

  async listForWorkflow(args: Parameters<CodeRuns['listForWorkflow']>[0]): Promise<CodeRunRef[]> {
    this.lists.push(args);
    return this.runs;
  }

  async delete(runs: readonly CodeRunRef[], dryRun?: boolean): Promise<CodeRunDeletion[]> {
    this.calls.push({ runs: [...runs], dryRun });
    return runs.map(({ name, githubApp }) => ({ name, githubApp, result: dryRun ? 'planned' : 'deleted' }));
  }
}

export class FakePullRequests implements PullRequests {
  pullRequests: PullRequestRef[] = [{ number: 1, labels: ['task-1', 'ready-for-qa'] }];
  readonly finds: string[] = [];
  readonly removals: { issueNumber: number; label: string }[] = [];

  async listOpenByBranch(owner: string, repo: string, branch: string): Promise<PullRequestRef[]> {
    this.finds.push(`${owner}/${repo}:${branch}`);
    return this.pullRequests;
  }

  /** Labels GitHub reports live, per PR number; a function answers for a GitHub outage. */
  liveLabels: Record<number, string[]> | (() => Promise<string[]>) = {};
  readonly labelReads: number[] = [];

  async listLabels(_owner: string, _repo: string, issueNumber: number): Promise<string[]> {
    this.labelReads.push(issueNumber);
    return typeof this.liveLabels === 'function' ? this.liveLabels() : (this.liveLabels[issueNumber] ?? []);
  }

  async removeLabel(_owner: string, _repo: string, issueNumber: number, label: string): Promise<'removed' | 'absent'> {
    this.removals.push({ issueNumber, label });
    return 'removed';
  }
}

export function summary(name: string, task: string, stage: string, extra: Record<string, string> = {}): WorkflowSummary {
  return {
    name,
    namespace: 'argo',
    labels: { 'workflow-type': 'play-orchestration', 'task-id': task, 'current-stage': stage, ...extra },
    annotations: {},
  };
}
