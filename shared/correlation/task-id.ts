import { TASK_BRANCH_PATTERN } from '../declarations';

const TASK_LABEL = /^task-([0-9]+)$/;
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
