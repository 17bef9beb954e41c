/** rex-push's extra steps: cancel QA CodeRuns, remove ready-for-qa, then reset the stage and resume. Each step is idempotent. */
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
    readonly label: { readonly pullRequest?: number; readonly result: 'removed' | 'absent' | 'no-open-pr' | 'planned' };
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

  const pr = await options.pullRequests.findOpenByBranch(correlation.owner, correlation.repo, correlation.branch);
  let label: RemediateResult['steps']['label'];
  if (!pr) label = { result: 'no-open-pr' };
  else if (!pr.labels.includes(READY_FOR_QA_LABEL)) label = { pullRequest: pr.number, result: 'absent' };
  else if (dryRun) label = { pullRequest: pr.number, result: 'planned' };
  else label = { pullRequest: pr.number, result: await options.pullRequests.removeLabel(correlation.owner, correlation.repo, pr.number, READY_FOR_QA_LABEL) };

  const resume = await options.resume();
  return {
    resume,
    steps: {
      codeRuns: codeRuns.map(({ name, githubApp, result }) => ({ name, githubApp, result })),
      label,
      resume: { outcome: resume.outcome, node: resume.node?.displayName, toStage: resume.toStage },
    },
  };
}
