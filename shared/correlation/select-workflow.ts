/** Picks the one play workflow an event is for, or says why there is none. */
import type { Stage } from '../play';
import { WORKFLOW_LABELS } from '../contract';
import type { WorkflowSummary } from '../kubernetes/types';

const COMPLETED_LABEL = 'workflows.argoproj.io/completed';

export interface SelectWorkflowArgs {
  readonly owner: string;
  readonly repo: string;
  readonly fromStages: readonly Stage[];
  readonly dedupKeys: readonly string[];
  /** The dedup keys a workflow has recorded. */
  readonly recordedKeys: (workflow: WorkflowSummary) => readonly string[];
}

export type Selection =
  | { readonly ok: true; readonly workflow: WorkflowSummary }
  | {
      readonly ok: false;
      readonly outcome: 'no-workflow' | 'ambiguous' | 'duplicate' | 'already-done';
      readonly reason: string;
      readonly workflow?: string;
    };

/** The `repository` label a play for owner/repo carries: `<owner>-<repo>`, compared case-insensitively. */
export function repositoryLabelOf(owner: string, repo: string): string {
  return `${owner}-${repo}`.toLowerCase();
}

/**
 * `workflows` are the task's play workflows, completed ones included. A workflow
 * labelled `repository=<owner>-<repo>` only matches events from that repository.
 * Exactly one live workflow must remain; when several do, the stage may narrow them
 * to one, and otherwise the answer is `ambiguous`: we never pick one.
 */
export function selectWorkflow(workflows: readonly WorkflowSummary[], args: SelectWorkflowArgs): Selection {
  const repository = repositoryLabelOf(args.owner, args.repo);
  const candidates = workflows.filter((workflow) => {
    const label = workflow.labels[WORKFLOW_LABELS.repository];
    return label === undefined || label.toLowerCase() === repository;
  });

  const recorder = candidates.find((workflow) => args.recordedKeys(workflow).some((key) => args.dedupKeys.includes(key)));
  if (recorder) {
    return { ok: false, outcome: 'duplicate', workflow: recorder.name, reason: `${recorder.name} already recorded this event` };
  }

  const live = candidates.filter((workflow) => workflow.labels[COMPLETED_LABEL] !== 'true');
  if (live.length === 0) {
    const done = candidates[0];
    return done
      ? { ok: false, outcome: 'already-done', workflow: done.name, reason: `${done.name} has completed` }
      : { ok: false, outcome: 'no-workflow', reason: `no play workflow for this task in ${args.owner}/${args.repo}` };
  }
  if (live.length === 1) return { ok: true, workflow: live[0] as WorkflowSummary };

  const inStage = live.filter((workflow) => args.fromStages.includes(workflow.labels[WORKFLOW_LABELS.stage] as Stage));
  if (inStage.length === 1) return { ok: true, workflow: inStage[0] as WorkflowSummary };
  return {
    ok: false,
    outcome: 'ambiguous',
    reason: `${live.length} live play workflows match (${live.map((workflow) => workflow.name).join(', ')}); refusing to pick one`,
  };
}
