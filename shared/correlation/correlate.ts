/** Correlates an event to one task: the PR's `task-N` label and its `task-N-…` branch must agree. */
import type { CorrelationMode } from '../config';
import type { ParsedPayload } from './payloads';
import { branchFromRef, taskIdFromBranch, taskIdsFromLabels, taskIdTooLong } from './task-id';

export interface Correlation {
  readonly taskId: string;
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  /** The PR, when the event names one. */
  readonly pullRequest?: number;
}

export type CorrelationResult =
  | { readonly ok: true; readonly correlation: Correlation }
  /**
   * `ignored`: not a task event. `mismatch`: the sources disagree, the PR comes from a fork, or the
   * task ID is longer than a label value can be.
   */
  | { readonly ok: false; readonly outcome: 'ignored' | 'mismatch'; readonly reason: string };

export function correlate(parsed: ParsedPayload, mode: CorrelationMode): CorrelationResult {
  return parsed.kind === 'push' ? correlatePush(parsed.payload) : correlatePullRequest(parsed.payload, mode);
}

function correlatePush(payload: Extract<ParsedPayload, { kind: 'push' }>['payload']): CorrelationResult {
  const branch = branchFromRef(payload.ref);
  if (!branch) return { ok: false, outcome: 'ignored', reason: `${payload.ref} is not a branch` };
  const taskId = taskIdFromBranch(branch);
  if (!taskId) return { ok: false, outcome: 'ignored', reason: `branch ${branch} is not a task branch` };
  const tooLong = taskIdTooLong(taskId);
  if (tooLong) return { ok: false, outcome: 'mismatch', reason: `the pushed branch names no possible task: ${tooLong}` };
  const { owner, name } = ownerAndName(payload.repository);
  return { ok: true, correlation: { taskId, owner, repo: name, branch } };
}

function correlatePullRequest(
  payload: Extract<ParsedPayload, { kind: 'pull_request' }>['payload'],
  mode: CorrelationMode,
): CorrelationResult {
  const pr = payload.pull_request;
  const headRepo = pr.head.repo?.full_name;
  if (!headRepo || headRepo.toLowerCase() !== payload.repository.full_name.toLowerCase()) {
    return {
      ok: false,
      outcome: 'mismatch',
      reason: `PR #${pr.number} comes from ${headRepo ?? 'a deleted fork'}, not ${payload.repository.full_name}`,
    };
  }
  const labelIds = taskIdsFromLabels(pr.labels.map((label) => label.name));
  if (labelIds.length > 1) {
    return { ok: false, outcome: 'mismatch', reason: `PR #${pr.number} has several task labels: ${labelIds.map((id) => `task-${id}`).join(', ')}` };
  }
  const fromLabel = labelIds[0];
  const fromBranch = taskIdFromBranch(pr.head.ref);
  // Decided before any Kubernetes call: such an ID cannot be a label value, so no workflow has it.
  for (const [source, id] of [['label', fromLabel], ['branch', fromBranch]] as const) {
    const tooLong = id === undefined ? undefined : taskIdTooLong(id);
    if (tooLong) return { ok: false, outcome: 'mismatch', reason: `PR #${pr.number}: its task ${source} names no possible task: ${tooLong}` };
  }
  if (!fromLabel && !fromBranch) {
    return { ok: false, outcome: 'ignored', reason: `PR #${pr.number} has no task label and ${pr.head.ref} is not a task branch` };
  }
  if (fromLabel && fromBranch && fromLabel !== fromBranch) {
    return {
      ok: false,
      outcome: 'mismatch',
      reason: `PR #${pr.number} is labelled task-${fromLabel} but its branch ${pr.head.ref} names task ${fromBranch}`,
    };
  }
  if (mode === 'strict' && (!fromLabel || !fromBranch)) {
    const missing = fromLabel ? `branch ${pr.head.ref} is not a task branch` : `it has no task-${fromBranch} label`;
    return { ok: false, outcome: 'mismatch', reason: `PR #${pr.number}: ${missing} (CORRELATION_MODE=strict needs both)` };
  }
  const { owner, name } = ownerAndName(payload.repository);
  const taskId = (fromLabel ?? fromBranch) as string;
  return { ok: true, correlation: { taskId, owner, repo: name, branch: pr.head.ref, pullRequest: pr.number } };
}

function ownerAndName(repository: { full_name: string; name: string; owner: { login: string } }) {
  return { owner: repository.owner.login, name: repository.name };
}
