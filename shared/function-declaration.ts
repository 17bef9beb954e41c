/**
 * What a function declaration is: the conditions on a GitHub event it accepts, the stages it acts in,
 * and the steps it runs. The declarations themselves are in shared/declarations.ts.
 */
import type { AgentRole, Stage } from './play';

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
