/**
 * The narrow Kubernetes interfaces the handlers use (Prow style), so tests can
 * swap in fakes. Implementations live beside this file.
 */
import type { Stage } from '../play';
import type { Workflow } from './workflow';

/** What a list of play workflows tells about one of them. */
export interface WorkflowSummary {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** The whole object as the list returned it (with its resourceVersion), for a resume to plan from without a GET. */
  readonly listed?: Workflow;
}

export interface ResumeRequest {
  /** Workflow name, in the configured namespace. */
  readonly name: string;
  /** The function making the change (recorded in the node message). */
  readonly actor: string;
  /** Display names of suspend nodes that may be resumed; at most one may be active. */
  readonly suspendNodes: readonly string[];
  /** Stages the workflow must be in for this transition. */
  readonly fromStages: readonly Stage[];
  /** Stage written in the same update. */
  readonly nextStage: Stage;
  /**
   * Keys that identify this event (the X-GitHub-Delivery ID; for a push also
   * `sha:<after>`). Recorded in an annotation by the same write; a workflow
   * that already records any of them answers `duplicate`.
   */
  readonly dedupKeys: readonly string[];
  /** Supplied output parameters to set on the resumed node (`argo node set -p`). */
  readonly outputs?: Readonly<Record<string, string>>;
  /** When no suspend node is active, move the stage label alone instead of answering not-ready. */
  readonly nodeOptional?: boolean;
  /** Stages where the event is early: record it on the workflow (`parked`) instead of not-ready. */
  readonly parkFrom?: readonly Stage[];
  /** Resume the event parked by `actor` (its keys are already recorded), not a new one. */
  readonly redrive?: boolean;
  /** Drop every parked event in the same write (rex-push: QA starts over, earlier hand-overs no longer count). */
  readonly clearParked?: boolean;
  /**
   * rex-push after cancelling QA CodeRuns (whose record write already moved the stage): when no suspend node
   * is active, record the keys and leave the stage as it is (the restarted QA moves it). Wins over nodeOptional.
   */
  readonly keepStageWithoutNode?: boolean;
  /** rex-push: the push's entry in the remediations annotation, removed by this write. */
  readonly remediationKey?: string;
  /** Read everything, write nothing, and report the planned write. */
  readonly dryRun?: boolean;
  /**
   * The workflow as a list just returned it (WorkflowSummary.listed): the first attempt plans from it and PUTs
   * with its resourceVersion instead of a GET; a 409 re-reads. Without it, every attempt GETs.
   */
  readonly listed?: Workflow;
}

export type ResumeOutcome =
  | 'resumed' // the node was resumed (or, with nodeOptional, the stage moved) in one write
  | 'duplicate' // a dedup key was already recorded on the workflow
  | 'already-done' // the workflow is past fromStages
  | 'not-ready' // the workflow is before fromStages, or the suspend node is not active yet
  | 'parked' // early: recorded on the workflow (parkFrom), resumed later by a redrive
  | 'nothing-parked' // redrive: no event of this function is parked on the workflow
  | 'no-workflow'; // the workflow is gone (404 on GET or PUT)

export interface ResumeResult {
  readonly outcome: ResumeOutcome;
  readonly workflow: string;
  readonly reason?: string;
  /** Node ID and display name of the node resumed, if any. */
  readonly node?: { readonly id: string; readonly displayName: string };
  readonly fromStage?: string;
  readonly toStage?: string;
  /** The dedup keys this write applied (for a redrive: the parked event's). */
  readonly keys?: readonly string[];
  /** Read+PUT attempts made (1 unless a 409 conflict was retried); the first read may be the listed object. */
  readonly attempts: number;
  /** With dryRun: the write that would have been sent, summarised. */
  readonly planned?: Readonly<Record<string, unknown>>;
}

export interface PlayWorkflows {
  /** Play workflows (`workflow-type=play-orchestration`) labelled `task-id=<taskId>`, completed ones included. */
  listForTask(taskId: string): Promise<WorkflowSummary[]>;
  /** Play workflows whose `current-stage` is one of `stages` (the re-drive sweep's candidates). */
  listInStages(stages: readonly string[]): Promise<WorkflowSummary[]>;
  /** Port of `argo resume --node-field-selector` + `argo node set` + the stage label, in one PUT. */
  resume(request: ResumeRequest): Promise<ResumeResult>;
  /** rex-push: decide what a push interrupts; record a cancellation on the workflow before it happens. */
  decideRemediation(request: RemediationRequest): Promise<RemediationDecision>;
}

/**
 * rex-push's first step: decide what the push interrupts and, if it cancels running CodeRuns, fix that set
 * on the workflow before anything is deleted (plan-remediation.ts).
 */
export interface RemediationRequest {
  readonly name: string;
  /** The push's stable key (`sha:<after>`): every redelivery of the push has it. */
  readonly key: string;
  /** Every key of the event: one already recorded as applied answers duplicate. */
  readonly dedupKeys: readonly string[];
  /** QA gates a push restarts through decision=restart. */
  readonly suspendNodes: readonly string[];
  /** Stages in which a push restarts QA. */
  readonly fromStages: readonly Stage[];
  /** Stage written with the record when the push cancels running CodeRuns (QA restarts). */
  readonly nextStage: Stage;
  /** The workflow's QA CodeRuns as listed now. */
  readonly candidates: readonly CodeRunRef[];
  readonly dryRun?: boolean;
}

export type RemediationDecision =
  | { readonly outcome: 'duplicate' | 'already-done' | 'not-ready' | 'no-workflow'; readonly reason: string }
  /**
   * `gate`: a QA gate is waiting; the resume restarts QA, `codeRuns` are the finished ones left behind.
   * `cancel`: Cleo or Tess is running; deleting `codeRuns` restarts QA (recorded on the workflow first, or read
   * back from the record by a redelivery: `recorded`).
   */
  | { readonly outcome: 'decided'; readonly mode: 'gate' | 'cancel'; readonly codeRuns: readonly CodeRunRef[]; readonly recorded?: boolean };

export interface CodeRunRef {
  readonly name: string;
  readonly uid: string;
  readonly githubApp: string;
  /** `status.phase`, if the agent platform has set it. */
  readonly phase?: string;
}

export interface CodeRunDeletion {
  readonly name: string;
  readonly githubApp: string;
  /** `deleted`, or `already-gone` when the DELETE answered 404 or 409 (a newer object of that name: not this one). */
  readonly result: 'deleted' | 'already-gone' | 'planned';
}

export interface CodeRuns {
  /**
   * The task's CodeRuns whose `github-app` label is one of `githubApps`.
   * Where a CodeRun carries a `workflow-name` label it must equal `workflowName`.
   */
  listForWorkflow(args: { taskId: string; workflowName: string; githubApps: readonly string[] }): Promise<CodeRunRef[]>;
  /** Delete exactly these objects (DeleteOptions.preconditions.uid), concurrently. */
  delete(runs: readonly CodeRunRef[], dryRun?: boolean): Promise<CodeRunDeletion[]>;
}

/** The Kubernetes API could not be reached or answered 5xx/429: a retry may help (503). */
export class KubernetesUnavailableError extends Error {
  override readonly name = 'KubernetesUnavailableError';
}

/** The workflow's node status is offloaded to a database, which only Argo Server can read. */
export class OffloadedNodeStatusError extends Error {
  override readonly name = 'OffloadedNodeStatusError';
}

/** More than one suspend node of this stage is active; the function never picks one. */
export class AmbiguousNodeError extends Error {
  override readonly name = 'AmbiguousNodeError';
}

/** The workflow does not have the shape this resume needs (a template/deployment mismatch, not bad input). */
export class WorkflowShapeError extends Error {
  override readonly name = 'WorkflowShapeError';
}
