/**
 * The single declaration of what each function reacts to and what it does.
 *
 * The function guards (shared/guards) and the generated Sensor filters
 * (scripts/manifests) both read these objects, so the two cannot drift apart.
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

/** Labels every play workflow carries. */
export const WORKFLOW_LABELS = {
  type: 'workflow-type',
  typeValue: 'play-orchestration',
  taskId: 'task-id',
  repository: 'repository',
  stage: 'current-stage',
} as const;

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

/**
 * One condition on the GitHub payload. `path` is a dotted path into the
 * payload (`label.name`), the same path the Sensor filter uses under `body.`.
 */
export type Match =
  /** The value is one of these strings (exactly, or ignoring case). */
  | { readonly path: string; readonly anyOf: readonly string[]; readonly ignoreCase?: boolean }
  /** The value is a login of this agent role (always ignoring case). */
  | { readonly path: string; readonly role: AgentRole }
  /** The string value matches this regular expression (ECMAScript/RE2 subset). */
  | { readonly path: string; readonly pattern: string }
  /** The value is this boolean; a missing value counts as false. */
  | { readonly path: string; readonly is: boolean };

/** Another way to accept an event: every condition of the group must hold. */
export interface MatchGroup {
  /** Names the group's Sensor dependency and trigger (`<function>-<name>`). */
  readonly name: string;
  readonly matches: readonly Match[];
}

export type FunctionName = 'pr-opened' | 'labeled-ready-for-qa' | 'approved' | 'rex-push';
export type GitHubEventName = 'pull_request' | 'pull_request_review' | 'push';

export interface FunctionDeclaration {
  readonly name: FunctionName;
  /** The `X-GitHub-Event` this function handles. */
  readonly event: GitHubEventName;
  /** Every condition must hold, or the event is ignored (unless a group of `alsoMatches` holds). */
  readonly matches: readonly Match[];
  /**
   * Further groups, each accepted on its own (an OR of ANDs). Argo Events ANDs a dependency's data
   * filters, so each group becomes its own Sensor dependency and trigger.
   */
  readonly alsoMatches?: readonly MatchGroup[];
  /**
   * pull_request only: when the payload's PR carries no labels and CORRELATION_MODE=strict needs the
   * task label, read the PR's labels from GitHub (a PR created through the API gets `task-N` a
   * moment after `opened`, whose payload then says `labels: []`).
   */
  readonly readsLabelsLive?: boolean;
  /** Stages in which the workflow accepts this event. */
  readonly fromStages: readonly Stage[];
  /**
   * The working stage just before `fromStages`, in which the event may arrive early (the agent
   * acts on GitHub before its step ends). There the event is parked on the workflow (200) and
   * re-driven when the workflow reaches `fromStages`, instead of a 503 the Sensor would retry.
   */
  readonly parkFrom?: readonly Stage[];
  /** Display names of the suspend nodes this function may resume. */
  readonly suspendNodes: readonly string[];
  /** The stage label written in the same update as the resume. */
  readonly nextStage: Stage;
  /** Supplied output parameters set on the resumed node (`argo node set -p`). */
  readonly outputs?: Readonly<Record<string, string>>;
  /**
   * A play outside `fromStages` (and `parkFrom`): `wait` (the default) lets the resume answer not-ready before
   * them (the Sensor retries) and already-done after; `ignore` answers ignored (200): a Rex push before QA has
   * started or after the play has ended is not an event for rex-push.
   */
  readonly outsideStages?: 'wait' | 'ignore';
  /**
   * What the function does with an event it accepted and correlated, in order; the last step is `resume`.
   * The handler runs these and knows no function by name (shared/handler/handle-event.ts).
   */
  readonly steps: readonly Step[];
}

/**
 * One thing a function does. `cancel-coderuns` and `remove-label` interrupt the work in progress before the
 * resume (rex-push: QA restarts on Rex's new commits, docs/state-machine.md "Rex pushes"); they need the
 * CodeRun and GitHub clients, which only the functions that declare them get (and the RBAC for them).
 */
export type Step =
  /** Cancel these agents' CodeRuns of the play: recorded on the workflow first, then deleted with uid preconditions. */
  | { readonly do: 'cancel-coderuns'; readonly agents: readonly AgentRole[] }
  /** Remove this label from every open PR of the event's branch. */
  | { readonly do: 'remove-label'; readonly label: string }
  /** Resume one of `suspendNodes` with `outputs`, moving the stage label to `nextStage` in the same write. */
  | { readonly do: 'resume' };

const RESUME: Step = { do: 'resume' };

/** The declared step `kind`, if the function has it. */
export function stepOf<K extends Step['do']>(declaration: FunctionDeclaration, kind: K): Extract<Step, { do: K }> | undefined {
  return declaration.steps.find((step): step is Extract<Step, { do: K }> => step.do === kind);
}

/** The function interrupts work before its resume (it cancels CodeRuns or removes a label): it answers `remediated`. */
export function interruptsWork(declaration: FunctionDeclaration): boolean {
  return declaration.steps.some((step) => step.do !== 'resume');
}

/** The function needs a GitHub client: to remove a label (required), or to read a PR's labels live (optional). */
export function callsGitHub(declaration: FunctionDeclaration): { readonly required: boolean; readonly optional: boolean } {
  const required = stepOf(declaration, 'remove-label') !== undefined;
  return { required, optional: !required && !!declaration.readsLabelsLive };
}

export const PR_OPENED: FunctionDeclaration = {
  name: 'pr-opened',
  event: 'pull_request',
  matches: [{ path: 'action', anyOf: ['opened', 'reopened'] }],
  // The task label added after the PR was opened (gh pr create, then gh pr edit --add-label). Whichever of
  // the two events comes second finds the gate resumed (already-done): one resume either way.
  alsoMatches: [
    {
      name: 'task-labeled',
      matches: [
        { path: 'action', anyOf: ['labeled'] },
        { path: 'label.name', pattern: TASK_LABEL_PATTERN },
      ],
    },
  ],
  readsLabelsLive: true,
  fromStages: ['waiting-pr-created'],
  parkFrom: ['implementation-in-progress'],
  suspendNodes: ['wait-pr-created'],
  nextStage: 'quality-in-progress',
  steps: [RESUME],
};

export const LABELED_READY_FOR_QA: FunctionDeclaration = {
  name: 'labeled-ready-for-qa',
  event: 'pull_request',
  matches: [
    { path: 'action', anyOf: ['labeled'] },
    { path: 'label.name', anyOf: [READY_FOR_QA_LABEL] },
    { path: 'sender.login', role: 'cleo' },
  ],
  fromStages: ['waiting-ready-for-qa'],
  parkFrom: ['quality-in-progress'],
  suspendNodes: ['wait-ready-for-qa'],
  nextStage: 'testing-in-progress',
  steps: [RESUME],
};

export const APPROVED: FunctionDeclaration = {
  name: 'approved',
  event: 'pull_request_review',
  matches: [
    { path: 'action', anyOf: ['submitted'] },
    { path: 'review.state', anyOf: ['approved'], ignoreCase: true },
    { path: 'review.user.login', role: 'tess' },
  ],
  fromStages: ['waiting-pr-approved'],
  parkFrom: ['testing-in-progress'],
  suspendNodes: ['wait-pr-approved'],
  nextStage: 'completed',
  steps: [RESUME],
};

export const REX_PUSH: FunctionDeclaration = {
  name: 'rex-push',
  event: 'push',
  matches: [
    { path: 'sender.login', role: 'rex' },
    { path: 'deleted', is: false },
    { path: 'ref', pattern: '^refs/heads/' },
  ],
  fromStages: QA_STAGES,
  suspendNodes: ['wait-ready-for-qa', 'wait-pr-approved'],
  // QA restarts: Cleo reviews Rex's new commits, as after pr-opened. The template's restart writes the same
  // stage first (qa-cycle's stage step), so whichever of the two writes lands last, the label agrees.
  nextStage: 'quality-in-progress',
  outputs: { decision: 'restart' },
  outsideStages: 'ignore',
  steps: [
    { do: 'cancel-coderuns', agents: ['cleo', 'tess'] },
    { do: 'remove-label', label: READY_FOR_QA_LABEL },
    RESUME,
  ],
};

export const DECLARATIONS: readonly FunctionDeclaration[] = [
  PR_OPENED,
  LABELED_READY_FOR_QA,
  APPROVED,
  REX_PUSH,
];

export function declarationFor(name: string): FunctionDeclaration {
  const found = DECLARATIONS.find((d) => d.name === name);
  if (!found) throw new Error(`unknown function "${name}"; expected one of ${DECLARATIONS.map((d) => d.name).join(', ')}`);
  return found;
}

/** Position of a stage in the pipeline; unknown stages sort first. */
export function stageIndex(stage: string | undefined): number {
  return STAGES.indexOf(stage as Stage);
}
