/**
 * The play WorkflowTemplate: Rex, then a QA cycle (Cleo, Tess) between three suspend gates that
 * Handoff resumes. Every pass of the QA cycle moves the `current-stage` label as the first does
 * (docs/state-machine.md). The cycle runs again when a gate is resumed with decision=restart or when
 * rex-push deletes a running Cleo/Tess CodeRun (a cancellation: the agent step fails, `continueOn`
 * keeps the workflow going), and when an agent's CodeRun fails, at most `max-agent-failures` times in
 * a row since the last Rex push; then the play stops in stage `failed` until an operator resumes it.
 */
import { CODERUN_APPS, DEFAULT_MAX_AGENT_FAILURES, FAILED_STAGE, FAILURE_REASON_ANNOTATION, MAX_AGENT_FAILURES_PARAMETER, type AgentRole, type Stage } from '../shared/play';
import { WORKFLOW_LABELS } from '../shared/contract';
import { createCodeRunResource } from './coderun-crd';
import { digitsOnly, input, parameter, toJsonTag } from './expressions';
import type { ManifestOptions } from './options';

export const PLAY_TEMPLATE = 'play-orchestration';
export const PLAY_SERVICE_ACCOUNT = 'play-orchestration';
/** While Rex works: a pr-opened that arrives now is parked until the play waits for it. */
export const INITIAL_STAGE: Stage = 'implementation-in-progress';

type Step = Record<string, unknown>;
const step = (name: string, template: string, extra: Step = {}): Step => ({ name, template, ...extra });
const args = (values: Record<string, string>) => ({ arguments: { parameters: Object.entries(values).map(([name, value]) => ({ name, value })) } });
const stage = (value: Stage): Step => step(`stage-${value}`, 'update-workflow-stage', args({ stage: value }));
const agent = (role: AgentRole, extra: Step = {}): Step => step(`agent-${role}`, 'run-agent', { ...args({ agent: role, 'github-app': CODERUN_APPS[role] }), ...extra });
/** A cancelled (deleted) CodeRun fails its step; the cycle goes on to restart instead of failing the workflow. */
const cancellable = { continueOn: { failed: true, error: true } };
const decision = (gate: string) => `{{steps.${gate}.outputs.parameters.decision}}`;
const FAILURES = 'failures';
const failuresInput = { inputs: { parameters: [{ name: FAILURES }] } };
/** A Rex push restarted QA (a gate resumed with decision=restart, or a CodeRun cancelled): the failure count starts again. */
const restartQa = (when: string): Step => step('restart-qa', 'qa-cycle', { when, ...args({ [FAILURES]: '0' }) });
/** The limit, digits only (any other value means the default), so the `when` below always parses. */
const limitParameter = parameter(MAX_AGENT_FAILURES_PARAMETER);
const failureLimit = `{{=(sprig.regexMatch('^[0-9]+$', ${limitParameter}) && len(${limitParameter}) <= 4 ? ${limitParameter} : '${DEFAULT_MAX_AGENT_FAILURES}')}}`;

/**
 * Runs an agent. Cancelled (its step did not succeed: rex-push deleted the CodeRun) → restart QA. Finished →
 * `<role>-finished`, which reads the CodeRun's phase (a failed step has no outputs, so the phase is only
 * read in a step that runs after success; argo `resolveReferences` skips a when-false step's arguments).
 */
function agentStep(name: string, role: 'cleo' | 'tess', first: Stage) {
  const status = `{{steps.agent-${role}.status}}`;
  return {
    name,
    ...failuresInput,
    steps: [
      [stage(first)],
      [agent(role, cancellable)],
      [
        step(`${role}-finished`, `${role}-outcome`, { when: `${status} == Succeeded`, ...args({ [FAILURES]: `{{inputs.parameters.${FAILURES}}}`, phase: `{{steps.agent-${role}.outputs.parameters.phase}}` }) }),
        restartQa(`${status} != Succeeded`),
      ],
    ],
  };
}

/** Succeeded → `next`; Failed → QA again with one failure more, or, at the limit, the play stops for an operator (play-failed). */
function agentOutcome(role: 'cleo' | 'tess', next: string) {
  const phase = '{{inputs.parameters.phase}}';
  const failures = `{{inputs.parameters.${FAILURES}}}`;
  return {
    name: `${role}-outcome`,
    inputs: { parameters: [{ name: FAILURES }, { name: 'phase' }] },
    steps: [
      [
        step(`after-${role}`, next, { when: `${phase} == Succeeded`, ...args({ [FAILURES]: failures }) }),
        step('retry-qa', 'qa-cycle', { when: `${phase} != Succeeded && ${failures} < ${failureLimit}`, ...args({ [FAILURES]: `{{=sprig.atoi(inputs.parameters.${FAILURES}) + 1}}` }) }),
        step('give-up', 'play-failed', {
          when: `${phase} != Succeeded && ${failures} >= ${failureLimit}`,
          ...args({ reason: `{{=sprig.atoi(inputs.parameters.${FAILURES}) + 1}} ${role} CodeRun failures in a row since the last Rex push (limit: ${MAX_AGENT_FAILURES_PARAMETER} = ${failureLimit} retries)` }),
        }),
      ],
    ],
  };
}

/**
 * Where the play stops when its agents keep failing: stage `failed` and the reason on the workflow, then a gate
 * only an operator resumes (docs/operations.md); resumed, the play runs `next` again with the count reset.
 */
function stopForOperator(name: string, next: Step) {
  return {
    name,
    inputs: { parameters: [{ name: 'reason' }] },
    steps: [[step('record-failure', 'mark-play-failed', args({ reason: '{{inputs.parameters.reason}}' }))], [step('wait-for-operator', 'wait-for-operator')], [next]],
  };
}

/** Each template's steps, as groups. */
function templates() {
  const rexPhase = '{{steps.agent-rex.outputs.parameters.phase}}';
  return [
    {
      name: 'main',
      steps: [
        [agent('rex')],
        [step('implemented', 'after-rex', { when: `${rexPhase} == Succeeded` }), step('give-up', 'rex-failed', { when: `${rexPhase} != Succeeded`, ...args({ reason: 'rex CodeRun failed' }) })],
      ],
    },
    { name: 'after-rex', steps: [[stage('waiting-pr-created')], [step('wait-pr-created', 'wait-for-event')], [step('qa', 'qa-cycle', args({ [FAILURES]: '0' }))], [stage('completed')]] },
    agentStep('qa-cycle', 'cleo', 'quality-in-progress'),
    agentOutcome('cleo', 'qa-after-cleo'),
    {
      name: 'qa-after-cleo',
      ...failuresInput,
      steps: [
        [stage('waiting-ready-for-qa')],
        [step('wait-ready-for-qa', 'wait-for-event')],
        [
          step('testing', 'qa-testing', { when: `${decision('wait-ready-for-qa')} != restart`, ...args({ [FAILURES]: `{{inputs.parameters.${FAILURES}}}` }) }),
          restartQa(`${decision('wait-ready-for-qa')} == restart`),
        ],
      ],
    },
    agentStep('qa-testing', 'tess', 'testing-in-progress'),
    agentOutcome('tess', 'qa-after-tess'),
    {
      name: 'qa-after-tess',
      ...failuresInput,
      steps: [[stage('waiting-pr-approved')], [step('wait-pr-approved', 'wait-for-event')], [restartQa(`${decision('wait-pr-approved')} == restart`)]],
    },
    stopForOperator('rex-failed', step('operator-restart', 'rex-again')),
    // Rex again: the label says so first, so a pr-opened that arrives while Rex works is parked, not already-done.
    { name: 'rex-again', steps: [[stage(INITIAL_STAGE)], [step('implementation', 'main')]] },
    stopForOperator('play-failed', step('operator-restart', 'qa-cycle', args({ [FAILURES]: '0' }))),
  ];
}

/** A gate Handoff resumes. `decision` may be supplied (`restart`); only valueFrom.supplied + default: a literal value crashes the controller (argo-workflows #13929). */
const waitForEvent = {
  name: 'wait-for-event',
  suspend: {},
  outputs: { parameters: [{ name: 'decision', valueFrom: { supplied: {}, default: 'continue' } }] },
};

/**
 * The agent's CodeRun. The play's parameters come from whoever submits the play; they reach the
 * manifest only JSON-encoded (`{{=toJson(…)}}`, expressions.ts), so no value can add or change a
 * field. Label values are numbers or constants of this template.
 */
const runAgentAsCodeRun = {
  name: 'run-agent',
  inputs: { parameters: [{ name: 'agent' }, { name: 'github-app' }] },
  outputs: { parameters: [{ name: 'phase', valueFrom: { jsonPath: '{.status.phase}' } }] },
  synchronization: { semaphores: [{ configMapKeyRef: { name: 'workflow-semaphores', key: 'agents' } }] },
  resource: createCodeRunResource([
    'metadata:',
    `  generateName: ${toJsonTag(`workflow.name + '-' + ${input('agent')} + '-'`)}`,
    '  labels:',
    `    task-id: ${toJsonTag(digitsOnly(parameter('task-id')))}`,
    `    github-app: ${toJsonTag(input('github-app'))}`,
    `    workflow-name: ${toJsonTag('workflow.name')}`,
    'spec:',
    // Not a number: -1, which the CRD's `minimum: 0` refuses, so the step fails instead of guessing.
    `  taskId: ${toJsonTag(`(sprig.regexMatch('^[0-9]+$', ${parameter('task-id')}) ? sprig.atoi(${parameter('task-id')}) : -1)`)}`,
    `  service: ${toJsonTag(parameter('service'))}`,
    `  repositoryUrl: ${toJsonTag(parameter('repository-url'))}`,
    `  docsRepositoryUrl: ${toJsonTag(parameter('docs-repository-url'))}`,
    `  workingDirectory: ${toJsonTag(parameter('working-directory'))}`,
    `  model: ${toJsonTag(parameter('model'))}`,
    `  githubApp: ${toJsonTag(input('github-app'))}`,
  ], 'finished'),
};

/** The seed design's stage update: a merge patch of the workflow's own label, after an agent completes. */
const updateWorkflowStage = {
  name: 'update-workflow-stage',
  inputs: { parameters: [{ name: 'stage' }] },
  resource: {
    action: 'patch',
    mergeStrategy: 'merge',
    flags: ['workflow', '{{workflow.name}}'],
    // A stage written after the play stopped in `failed` (an operator resumed it) clears the reason (null deletes it).
    manifest: `metadata:\n  labels:\n    ${WORKFLOW_LABELS.stage}: ${toJsonTag(input('stage'))}\n  annotations:\n    ${FAILURE_REASON_ANNOTATION}: null\n`,
  },
};

/** Stage `failed` and the reason on the workflow, in one merge patch of its own metadata. */
const markPlayFailed = {
  name: 'mark-play-failed',
  inputs: { parameters: [{ name: 'reason' }] },
  resource: {
    action: 'patch',
    mergeStrategy: 'merge',
    flags: ['workflow', '{{workflow.name}}'],
    manifest: `metadata:\n  labels:\n    ${WORKFLOW_LABELS.stage}: ${FAILED_STAGE}\n  annotations:\n    ${FAILURE_REASON_ANNOTATION}: ${toJsonTag(input('reason'))}\n`,
  },
};

/** The gate only an operator resumes (`argo resume --node-field-selector displayName=wait-for-operator`); no function does. */
const waitForOperator = { name: 'wait-for-operator', suspend: {} };

export function playWorkflowTemplate(options: ManifestOptions) {
  const parameters = ['task-id', 'repository', 'service', 'repository-url', 'docs-repository-url', 'working-directory', 'model', MAX_AGENT_FAILURES_PARAMETER];
  const defaults: Record<string, string> = { model: 'claude-sonnet', 'working-directory': '.', 'docs-repository-url': '', [MAX_AGENT_FAILURES_PARAMETER]: String(DEFAULT_MAX_AGENT_FAILURES) };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name: PLAY_TEMPLATE, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      entrypoint: 'main',
      serviceAccountName: PLAY_SERVICE_ACCOUNT,
      activeDeadlineSeconds: 14 * 24 * 3600,
      arguments: {
        parameters: parameters.map((name) => ({ name, ...(name in defaults ? { value: defaults[name] } : {}) })),
      },
      workflowMetadata: {
        labels: { [WORKFLOW_LABELS.type]: WORKFLOW_LABELS.typeValue, [WORKFLOW_LABELS.stage]: INITIAL_STAGE },
        labelsFrom: {
          [WORKFLOW_LABELS.taskId]: { expression: "workflow.parameters['task-id']" },
          [WORKFLOW_LABELS.repository]: { expression: 'workflow.parameters.repository' },
        },
        annotations: { 'updated-at': '{{workflow.creationTimestamp}}' },
      },
      templates: [
        ...templates(),
        waitForEvent,
        runAgentAsCodeRun,
        waitForOperator,
        updateWorkflowStage,
        markPlayFailed,
      ],
    },
  };
}
