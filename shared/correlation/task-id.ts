import { TASK_BRANCH_PATTERN, TASK_LABEL_PATTERN } from '../play';
import { LABEL_VALUE_MAX_LENGTH } from '../contract';

/**
 * The longest task ID a play workflow can carry: its `task-id` label value, at most 63 characters
 * (the apiserver refuses a longer value in a label selector with 400). Counted after leading zeros
 * are dropped, so `task-000…07` is task 7.
 */
export const TASK_ID_MAX_LENGTH = LABEL_VALUE_MAX_LENGTH;

/** Why a task ID cannot name any workflow, or undefined when it can. */
export function taskIdTooLong(taskId: string): string | undefined {
  if (taskId.length <= TASK_ID_MAX_LENGTH) return undefined;
  return `task ID ${taskId.slice(0, 12)}… has ${taskId.length} digits; a task-id label value holds at most ${TASK_ID_MAX_LENGTH}`;
}

const TASK_LABEL = new RegExp(TASK_LABEL_PATTERN);
const TASK_BRANCH = new RegExp(TASK_BRANCH_PATTERN);

/** Distinct task IDs named by `task-<N>` labels. */
export function taskIdsFromLabels(labels: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const label of labels) {
    const match = TASK_LABEL.exec(label);
    if (match?.[1]) ids.add(normalise(match[1]));
  }
  return [...ids];
}

/** The task ID of a `task-<N>-…` or `…/task-<N>-…` branch. */
export function taskIdFromBranch(branch: string): string | undefined {
  const match = TASK_BRANCH.exec(branch);
  return match?.[2] ? normalise(match[2]) : undefined;
}

/** `refs/heads/<branch>` → `<branch>`; anything else (tags) → undefined. */
export function branchFromRef(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

/** `task-007` and `task-7` name the same task, as the `task-id` label value `7`. */
function normalise(digits: string): string {
  return digits.replace(/^0+(?=[0-9])/, '');
}
