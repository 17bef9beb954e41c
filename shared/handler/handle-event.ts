/**
 * The one core handler: guard → correlate → select the workflow → the declared steps (shared/declarations.ts).
 * The four functions differ only in their declaration: a function that declares steps interrupting work
 * (cancel-coderuns, remove-label) runs them through remediate() before its resume.
 */
import type { CorrelationMode } from '../config';
import { correlate } from '../correlation/correlate';
import { parsePayload, type ParsedPayload } from '../correlation/payloads';
import { taskIdFromBranch, taskIdTooLong } from '../correlation/task-id';
import { selectWorkflow } from '../correlation/select-workflow';
import { callsGitHub, interruptsWork, stepOf, type FunctionDeclaration } from '../function-declaration';
import { stageIndex, type Stage } from '../play';
import type { Logins } from '../guards/evaluate-match';
import { guardEvent } from '../guards/guard-event';
import { EventError } from './event-error';
import type { CodeRuns, PlayWorkflows, WorkflowSummary } from '../kubernetes/types';
import { GitHubNotFoundError, type PullRequests } from '../github/types';
import { describe } from './describe-result';
import { remediate } from './remediate';
import { WORKFLOW_LABELS, type Caller, type EventResponse } from '../contract';

export interface HandlerOptions {
  readonly declaration: FunctionDeclaration;
  readonly logins: Logins;
  readonly correlation: CorrelationMode;
  readonly dryRun: boolean;
  readonly workflows: PlayWorkflows;
  /** The dedup keys a workflow has recorded (read from its annotation). */
  readonly recordedKeys: (workflow: WorkflowSummary) => readonly string[];
  /** Required when the declaration has a `cancel-coderuns` step. */
  readonly codeRuns?: CodeRuns;
  /** Required with a `remove-label` step; optional with `readsLabelsLive` (without it, no live read). */
  readonly pullRequests?: PullRequests;
  /** Called once per correlation failure, for metrics. */
  readonly onCorrelationFailure?: (reason: string) => void;
}

export interface IncomingEvent {
  /** X-GitHub-Event, e.g. `pull_request`. */
  readonly name: string;
  /** X-GitHub-Delivery: the same ID on GitHub redeliveries. */
  readonly deliveryId: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly caller: Caller;
}

export type HandleEvent = (event: IncomingEvent) => Promise<EventResponse>;

export function createHandler(options: HandlerOptions): HandleEvent {
  const { declaration } = options;
  if (declaration.steps.at(-1)?.do !== 'resume') throw new Error(`${declaration.name}: the last declared step must be resume`);
  if (stepOf(declaration, 'cancel-coderuns') && !options.codeRuns) throw new Error(`${declaration.name} cancels CodeRuns: it needs the CodeRun client`);
  if (callsGitHub(declaration).required && !options.pullRequests) throw new Error(`${declaration.name} removes a PR label: it needs the GitHub client`);
  const fromStages: readonly Stage[] = declaration.fromStages;

  return async (event) => {
    const action = typeof event.payload.action === 'string' ? event.payload.action : undefined;
    const base = { function: declaration.name, deliveryId: event.deliveryId, event: event.name, action, dryRun: options.dryRun || undefined };

    if (event.name !== declaration.event) {
      return { ...base, outcome: 'ignored', reason: `event ${event.name} is not ${declaration.event}` };
    }
    const parsed = parsePayload(declaration.event, event.payload);
    if (!parsed.ok) throw new EventError('bad-request', parsed.reason);
    const guard = guardEvent(declaration, event.name, event.payload, options.logins);
    if (!guard.accepted) return { ...base, outcome: 'ignored', reason: guard.reason };

    const payload = declaration.readsLabelsLive ? await withLiveLabels(parsed.value, options) : parsed.value;
    const correlated = correlate(payload, options.correlation);
    if (!correlated.ok) {
      if (correlated.outcome === 'mismatch') options.onCorrelationFailure?.('mismatch');
      return { ...base, outcome: correlated.outcome, reason: correlated.reason };
    }
    const { correlation } = correlated;
    const task = correlation.taskId;
    const dedupKeys = [event.deliveryId, ...(parsed.value.kind === 'push' ? [`sha:${parsed.value.payload.after}`] : [])];

    const selection = selectWorkflow(await options.workflows.listForTask(task), {
      owner: correlation.owner,
      repo: correlation.repo,
      fromStages: [...declaration.fromStages, ...(declaration.parkFrom ?? [])],
      dedupKeys,
      recordedKeys: options.recordedKeys,
    });
    if (!selection.ok) {
      if (selection.outcome === 'no-workflow' || selection.outcome === 'ambiguous') options.onCorrelationFailure?.(selection.outcome);
      return { ...base, task, outcome: selection.outcome, workflow: selection.workflow, reason: selection.reason };
    }
    const workflow = selection.workflow;

    const resumeRequest = {
      name: workflow.name,
      actor: declaration.name,
      suspendNodes: declaration.suspendNodes,
      fromStages: declaration.fromStages,
      parkFrom: declaration.parkFrom,
      nextStage: declaration.nextStage,
      dedupKeys,
      outputs: declaration.outputs,
      dryRun: options.dryRun,
    };

    if (declaration.outsideStages === 'ignore') {
      const stage = workflow.labels[WORKFLOW_LABELS.stage];
      if (!fromStages.includes(stage as Stage)) {
        const ended = stageIndex(stage) > Math.max(...fromStages.map(stageIndex));
        return { ...base, task, workflow: workflow.name, outcome: 'ignored', reason: ended ? `the play has ended (stage ${stage})` : `the play is not yet in ${fromStages.join(', ')} (stage ${stage ?? 'unset'})` };
      }
    }

    if (interruptsWork(declaration)) {
      const result = await remediate({
        declaration,
        correlation,
        workflow: workflow.name,
        pushKey: dedupKeys[dedupKeys.length - 1] as string,
        dedupKeys,
        dryRun: options.dryRun,
        workflows: options.workflows,
        codeRuns: options.codeRuns,
        pullRequests: options.pullRequests,
        resumeRequest,
      });
      return { ...base, task, workflow: workflow.name, ...describe(result.resume, 'remediated'), steps: result.steps };
    }

    // The object the list just returned: the first attempt PUTs with its resourceVersion, without a GET (client.ts read()).
    // Not for remediate(): its decision must read the workflow after listing the CodeRuns, and its resume after the
    // decision's writes and deletions, so both GET.
    const result = await options.workflows.resume({ ...resumeRequest, listed: workflow.listed });
    return { ...base, task, workflow: workflow.name, ...describe(result, 'resumed') };
  };
}

/**
 * A PR created through the API is opened with `labels: []` and labelled `task-N` a moment later: when
 * strict correlation needs that label and the payload has none, read the PR's labels from GitHub.
 * Only then; GitHub unavailable throws GitHubUnavailableError (503, the Sensor retries); a PR GitHub
 * answers 404 for is a mismatch (422): the payload names a PR that is not there.
 */
async function withLiveLabels(parsed: ParsedPayload, options: HandlerOptions): Promise<ParsedPayload> {
  if (parsed.kind !== 'pull_request' || !options.pullRequests || options.correlation !== 'strict') return parsed;
  const { payload } = parsed;
  const pr = payload.pull_request;
  const branchTask = taskIdFromBranch(pr.head.ref);
  // No task branch: nothing to confirm. A task ID too long for a label: correlation refuses it (422) without a call.
  if (pr.labels.length > 0 || !branchTask || taskIdTooLong(branchTask)) return parsed;
  const { login: owner } = payload.repository.owner;
  let labels: string[];
  try {
    labels = await options.pullRequests.listLabels(owner, payload.repository.name, pr.number);
  } catch (error) {
    // The payload names a PR GitHub does not have (or the App cannot see): no retry helps, the dead letter keeps it.
    if (error instanceof GitHubNotFoundError) {
      throw new EventError('mismatch', `GitHub has no pull request #${pr.number} in ${owner}/${payload.repository.name} (404), so its task label cannot be read: ${error.message}`);
    }
    throw error;
  }
  return { kind: 'pull_request', payload: { ...payload, pull_request: { ...pr, labels: labels.map((name) => ({ name })) } } };
}
