/**
 * The play's vocabulary: its stages, agents, PR labels and the patterns that name a task. The play
 * template (manifests/), the functions and the tests all speak it. The labels a play Workflow carries
 * are keys of the contract (WORKFLOW_LABELS in shared/contract.ts).
 */

/** Values of the `current-stage` label, in pipeline order. */
export const STAGES = [
  'implementation-in-progress',
  'waiting-pr-created',
  'quality-in-progress',
  'waiting-ready-for-qa',
  'testing-in-progress',
  'waiting-pr-approved',
  'completed',
  'failed',
] as const;
export type Stage = (typeof STAGES)[number];

/**
 * The play ended because its agents kept failing (more than `max-agent-failures` in a row since the last
 * Rex push). Last in STAGES, so every function answers `already-done` for it; docs/operations.md says
 * how an operator resumes such a play.
 */
export const FAILED_STAGE: Stage = 'failed';
/** Written by the play with FAILED_STAGE: why it gave up (which agent, how many failures). */
export const FAILURE_REASON_ANNOTATION = 'handoff.dev/failure-reason';
/** The play parameter bounding agent failures, and its default. */
export const MAX_AGENT_FAILURES_PARAMETER = 'max-agent-failures';
export const DEFAULT_MAX_AGENT_FAILURES = 3;

/** Stages in which the QA cycle (Cleo, then Tess) has started. */
export const QA_STAGES: readonly Stage[] = [
  'quality-in-progress',
  'waiting-ready-for-qa',
  'testing-in-progress',
  'waiting-pr-approved',
];

/** The agents, by the role their bot login plays. */
export const AGENT_ROLES = ['rex', 'cleo', 'tess'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

/** Default bot logins per role; overridden by REX_LOGINS, CLEO_LOGINS, TESS_LOGINS. */
export const DEFAULT_LOGINS: Record<AgentRole, readonly string[]> = {
  rex: ['5DLabs-Rex[bot]'],
  cleo: ['5DLabs-Cleo[bot]'],
  tess: ['5DLabs-Tess[bot]'],
};

/** The `github-app` label values of CodeRuns, per role. */
export const CODERUN_APPS: Record<AgentRole, string> = {
  rex: '5DLabs-Rex',
  cleo: '5DLabs-Cleo',
  tess: '5DLabs-Tess',
};

/** The PR label Cleo adds when quality review passes. */
export const READY_FOR_QA_LABEL = 'ready-for-qa';

/**
 * A task branch: `task-<N>-…` or `…/task-<N>-…` (also the bare `task-<N>`).
 * Written in the common subset of ECMAScript and Go RE2 syntax, because the
 * Sensor filter uses it too.
 */
export const TASK_BRANCH_PATTERN = '(^|/)task-([0-9]+)(-|$)';

/** A task label, `task-<N>` (ECMAScript/RE2 subset, as TASK_BRANCH_PATTERN). */
export const TASK_LABEL_PATTERN = '^task-([0-9]+)$';

/** Position of a stage in the pipeline; unknown stages sort first. */
export function stageIndex(stage: string | undefined): number {
  return STAGES.indexOf(stage as Stage);
}
