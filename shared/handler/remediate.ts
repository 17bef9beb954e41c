/**
 * The steps that interrupt work before a resume, as a declaration lists them (rex-push: cancel Cleo's and Tess's
 * CodeRuns, remove ready-for-qa; docs/state-machine.md, "Rex pushes"):
 *   1. list the workflow's CodeRuns of the declared agents and, beside it, the branch's open PRs;
 *   2. decide what the push interrupts (a waiting gate, or running CodeRuns: then recorded on the workflow
 *      before anything is deleted), or answer not-ready while the play is between steps;
 *   3. delete the decided CodeRuns (uid preconditions) and remove the declared label from every open PR, concurrently;
 *   4. resume: the gate with decision=restart, or (after a cancellation) record the push as applied.
 * Every step is idempotent; GitHub work has a budget that keeps an attempt inside the Sensor's timeout.
 */
import type { Correlation } from '../correlation/correlate';
import { stepOf, type FunctionDeclaration } from '../function-declaration';
import { CODERUN_APPS } from '../play';
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
  /** Required with a `cancel-coderuns` step. */
  readonly codeRuns?: CodeRuns;
  /** Required with a `remove-label` step. */
  readonly pullRequests?: PullRequests;
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
  const cancel = stepOf(declaration, 'cancel-coderuns');
  const removal = stepOf(declaration, 'remove-label');
  const codeRunClient = cancel && required(options.codeRuns, `${declaration.name} cancels CodeRuns: pass the CodeRun client`);
  const github = removal && required(options.pullRequests, `${declaration.name} removes a PR label: pass the GitHub client`);

  // GitHub's listing runs beside the Kubernetes steps; it is awaited only once the push applies.
  const pulls = github
    ? deadline.github(
        `list the open pull requests of ${correlation.owner}/${correlation.repo}:${correlation.branch}`,
        github.listOpenByBranch(correlation.owner, correlation.repo, correlation.branch),
      )
    : Promise.resolve([]);
  pulls.catch(() => undefined);

  const candidates = codeRunClient
    ? await codeRunClient.listForWorkflow({ taskId: correlation.taskId, workflowName: options.workflow, githubApps: cancel.agents.map((agent) => CODERUN_APPS[agent]) })
    : [];
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
    codeRunClient ? codeRunClient.delete(decision.codeRuns, dryRun) : Promise.resolve([]),
    pulls.then((found) =>
      Promise.all(
        found.map(async (pr) => {
          const pullRequest = pr.number;
          const label = (removal as NonNullable<typeof removal>).label;
          if (!pr.labels.includes(label)) return { pullRequest, result: 'absent' as const };
          if (dryRun) return { pullRequest, result: 'planned' as const };
          const call = (github as PullRequests).removeLabel(correlation.owner, correlation.repo, pullRequest, label);
          return { pullRequest, result: await deadline.github(`remove ${label} from #${pullRequest}`, call) };
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

function required<T>(client: T | undefined, message: string): T {
  if (!client) throw new Error(message);
  return client;
}

/** Promise.all that waits for every promise to settle, then throws the first rejection (if any). */
async function allSettledOrThrow<A, B>(promises: readonly [Promise<A>, Promise<B>]): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled(promises);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}
