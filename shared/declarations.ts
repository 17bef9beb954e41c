/**
 * The single declaration of what each function reacts to and what it does (the shape is
 * shared/function-declaration.ts, the words it uses shared/play.ts).
 *
 * The function guards (shared/guards) and the generated Sensor filters
 * (manifests/) both read these objects, so the two cannot drift apart.
 */

import type { FunctionDeclaration, Step } from './function-declaration';
import { QA_STAGES, READY_FOR_QA_LABEL, TASK_LABEL_PATTERN } from './play';

const RESUME: Step = { do: 'resume' };

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
