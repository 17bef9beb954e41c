/**
 * rex-push's steps (docs/state-machine.md, "Rex pushes"):
 *   1. list the workflow's QA CodeRuns and, beside it, the branch's open PRs;
 *   2. decide what the push interrupts (a waiting gate, or running CodeRuns: then recorded on the workflow
 *      before anything is deleted), or answer not-ready while the play is between steps;
 *   3. delete the decided CodeRuns (uid preconditions) and remove ready-for-qa from every open PR, concurrently;
 *   4. resume: the gate with decision=restart, or (after a cancellation) record the push as applied.
 * Every step is idempotent; GitHub work has a budget that keeps an attempt inside the Sensor's timeout.
 */
import type { Correlation } from '../correlation/correlate';
import { CODERUN_APPS, READY_FOR_QA_LABEL, type FunctionDeclaration } from '../declarations';
import type { PullRequests } from '../github/types';
import type { CodeRuns, PlayWorkflows, RemediationDecision, ResumeRequest, ResumeResult } from '../kubernetes/types';
import { startDeadline, type Deadline } from './remediation-budget';

export interface RemediateOptions {
  readonly declaration: FunctionDeclaration;
  readonly correlation: Correlation;
  readonly workflow: string;
  /** The push's stable key (`sha:<after>`): every redelivery of the push has it. */
  readonly pushKey: string;
  readonly dedupKeys: readonly string[];
  readonly dryRun: boolean;
  readonly workflows: PlayWorkflows;
  readonly codeRuns: CodeRuns;
  readonly pullRequests: PullRequests;
  /** The resume request the handler would send; remediate adds what the decision implies. */
  readonly resumeRequest: ResumeRequest;
  readonly deadline?: Deadline;
}

export interface RemediateResult {
  readonly resume: ResumeResult;
  readonly steps?: {
    readonly decision: 'gate' | 'cancel';
    readonly codeRuns: readonly { name: string; githubApp: string; result: string }[];
    /** One entry per open PR of the branch (none: no open PR). `absent`: the label was already gone. */
    readonly labels: readonly { readonly pullRequest: number; readonly result: 'removed' | 'absent' | 'planned' }[];
    readonly resume: { readonly outcome: string; readonly node?: string; readonly toStage?: string };
  };
}

export async function remediate(options: RemediateOptions): Promise<RemediateResult> {
  const { correlation, dryRun, declaration } = options;
  const deadline = options.deadline ?? startDeadline();

  // GitHub's listing runs beside the Kubernetes steps; it is awaited only once the push applies.
  const pulls = deadline.github(
    `list the open pull requests of ${correlation.owner}/${correlation.repo}:${correlation.branch}`,
    options.pullRequests.listOpenByBranch(correlation.owner, correlation.repo, correlation.branch),
  );
  pulls.catch(() => undefined);

  const candidates = await options.codeRuns.listForWorkflow({ taskId: correlation.taskId, workflowName: options.workflow, githubApps: [CODERUN_APPS.cleo, CODERUN_APPS.tess] });
  const decision: RemediationDecision = await options.workflows.decideRemediation({
    name: options.workflow,
    key: options.pushKey,
    dedupKeys: options.dedupKeys,
    suspendNodes: declaration.suspendNodes,
    fromStages: declaration.fromStages,
    nextStage: declaration.nextStage,
    candidates,
    dryRun,
  });
  if (decision.outcome !== 'decided') return { resume: { outcome: decision.outcome, workflow: options.workflow, reason: decision.reason, attempts: 1 } };

  // Both run to the end before the answer, so a 503 never leaves a deletion still in flight behind it.
  const [codeRuns, labels] = await allSettledOrThrow([
    options.codeRuns.delete(decision.codeRuns, dryRun),
    pulls.then((found) =>
      Promise.all(
        found.map(async (pr) => {
          const pullRequest = pr.number;
          if (!pr.labels.includes(READY_FOR_QA_LABEL)) return { pullRequest, result: 'absent' as const };
          if (dryRun) return { pullRequest, result: 'planned' as const };
          const removal = options.pullRequests.removeLabel(correlation.owner, correlation.repo, pullRequest, READY_FOR_QA_LABEL);
          return { pullRequest, result: await deadline.github(`remove ${READY_FOR_QA_LABEL} from #${pullRequest}`, removal) };
        }),
      ),
    ),
  ] as const);

  const resume = await options.workflows.resume({
    ...options.resumeRequest,
    remediationKey: options.pushKey,
    clearParked: true,
    // gate: the gate must still be waiting (else not-ready: a redelivery decides again).
    // cancel: the record write moved the stage; resume a gate if one waits by now, else only record the push.
    ...(decision.mode === 'cancel' ? { keepStageWithoutNode: true } : {}),
  });
  return {
    resume,
    steps: {
      decision: decision.mode,
      codeRuns: codeRuns.map(({ name, githubApp, result }) => ({ name, githubApp, result })),
      labels,
      resume: { outcome: resume.outcome, node: resume.node?.displayName, toStage: resume.toStage },
    },
  };
}

/** Promise.all that waits for every promise to settle, then throws the first rejection (if any). */
async function allSettledOrThrow<A, B>(promises: readonly [Promise<A>, Promise<B>]): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled(promises);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}
