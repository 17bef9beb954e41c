/**
 * rex-push's extra steps: cancel QA CodeRuns, remove ready-for-qa from every open PR of the task's
 * branch, then reset the stage and resume. Each step is idempotent.
 */
import type { Correlation } from '../correlation/correlate';
import { CODERUN_APPS, READY_FOR_QA_LABEL } from '../declarations';
import type { PullRequests } from '../github/types';
import type { CodeRuns, ResumeResult } from '../kubernetes/types';

export interface RemediateOptions {
  readonly correlation: Correlation;
  readonly workflow: string;
  readonly dryRun: boolean;
  readonly codeRuns: CodeRuns;
  readonly pullRequests: PullRequests;
  /** Step 3: reset the stage and resume the active QA suspend node with decision=restart. */
  readonly resume: () => Promise<ResumeResult>;
}

export interface RemediateResult {
  readonly resume: ResumeResult;
  readonly steps: {
    readonly codeRuns: readonly { name: string; githubApp: string; result: string }[];
    /** One entry per open PR of the branch (none: no open PR). `absent`: the label was already gone. */
    readonly labels: readonly { readonly pullRequest: number; readonly result: 'removed' | 'absent' | 'planned' }[];
    readonly resume: { readonly outcome: string; readonly node?: string; readonly toStage?: string };
  };
}

export async function remediate(options: RemediateOptions): Promise<RemediateResult> {
  const { correlation, dryRun } = options;

  const codeRuns = await options.codeRuns.deleteForTask({
    taskId: correlation.taskId,
    workflowName: options.workflow,
    githubApps: [CODERUN_APPS.cleo, CODERUN_APPS.tess],
    dryRun,
  });

  const pulls = await options.pullRequests.listOpenByBranch(correlation.owner, correlation.repo, correlation.branch);
  // Concurrently: the removals are independent and each is idempotent, so the slowest one bounds the
  // step (plugin-throttling still spaces writes); one failure fails the step and a redelivery redoes it.
  const labels = await Promise.all(
    pulls.map(async (pr) => {
      const pullRequest = pr.number;
      if (!pr.labels.includes(READY_FOR_QA_LABEL)) return { pullRequest, result: 'absent' as const };
      if (dryRun) return { pullRequest, result: 'planned' as const };
      return { pullRequest, result: await options.pullRequests.removeLabel(correlation.owner, correlation.repo, pullRequest, READY_FOR_QA_LABEL) };
    }),
  );

  const resume = await options.resume();
  return {
    resume,
    steps: {
      codeRuns: codeRuns.map(({ name, githubApp, result }) => ({ name, githubApp, result })),
      labels,
      resume: { outcome: resume.outcome, node: resume.node?.displayName, toStage: resume.toStage },
    },
  };
}
