/**
 * The play WorkflowTemplate: Rex, then a QA cycle (Cleo, Tess) between three
 * suspend gates that Handoff resumes. The QA cycle runs again when a gate is
 * resumed with decision=restart, or when rex-push deletes a running Cleo/Tess
 * CodeRun (that agent step fails, `continueOn` keeps the workflow going, and the
 * cycle recurses).
 */
import { CODERUN_APPS, WORKFLOW_LABELS, type AgentRole, type Stage } from '../shared/declarations';
import { createCodeRunResource } from './coderun-crd';
import { digitsOnly, input, parameter, toJsonTag } from './expressions';
import type { ManifestOptions } from './options';

export const PLAY_TEMPLATE = 'play-orchestration';
export const PLAY_SERVICE_ACCOUNT = 'play-orchestration';
/** While Rex works: a pr-opened that arrives now is parked until the play waits for it. */
export const INITIAL_STAGE: Stage = 'implementation-in-progress';

type Step = Record<string, unknown>;
const step = (name: string, template: string, extra: Step = {}): Step => ({ name, template, ...extra });
const stage = (value: Stage): Step => step(`stage-${value}`, 'update-workflow-stage', { arguments: { parameters: [{ name: 'stage', value }] } });
const agent = (role: AgentRole, extra: Step = {}): Step =>
  step(`agent-${role}`, 'run-agent', {
    arguments: { parameters: [{ name: 'agent', value: role }, { name: 'github-app', value: CODERUN_APPS[role] }] },
    ...extra,
  });
/** A cancelled (deleted) CodeRun fails its step; the cycle goes on to restart instead of failing the workflow. */
const cancellable = { continueOn: { failed: true, error: true } };
const decision = (gate: string) => `{{steps.${gate}.outputs.parameters.decision}}`;
const restartQa = (when: string): Step => step('restart-qa', 'qa-cycle', { when });

/** Runs an agent; if it did not succeed (rex-push deleted its CodeRun), the QA cycle restarts, else `next` runs. */
function agentThenRestartOnFailure(name: string, role: 'cleo' | 'tess', next: string) {
  const status = `{{steps.agent-${role}.status}}`;
  return {
    name,
    steps: [[agent(role, cancellable)], [step(`after-${role}`, next, { when: `${status} == Succeeded` }), restartQa(`${status} != Succeeded`)]],
  };
}

/** Each template's steps, as groups; the podless variant drops the stage updates (they need pods). */
function templates(podless: boolean) {
  const groups = (...candidates: Step[][]) => candidates.map((group) => group.filter((s) => !(podless && s.template === 'update-workflow-stage'))).filter((group) => group.length > 0);
  return [
    { name: 'main', steps: groups([agent('rex')], [stage('waiting-pr-created')], [step('wait-pr-created', 'wait-for-event')], [step('qa', 'qa-cycle')], [stage('completed')]) },
    agentThenRestartOnFailure('qa-cycle', 'cleo', 'qa-after-cleo'),
    {
      name: 'qa-after-cleo',
      steps: groups(
        [stage('waiting-ready-for-qa')],
        [step('wait-ready-for-qa', 'wait-for-event')],
        [step('testing', 'qa-testing', { when: `${decision('wait-ready-for-qa')} != restart` }), restartQa(`${decision('wait-ready-for-qa')} == restart`)],
      ),
    },
    agentThenRestartOnFailure('qa-testing', 'tess', 'qa-after-tess'),
    {
      name: 'qa-after-tess',
      steps: groups([stage('waiting-pr-approved')], [step('wait-pr-approved', 'wait-for-event')], [restartQa(`${decision('wait-pr-approved')} == restart`)]),
    },
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
  ]),
};

/** Podless variant: the agent is a suspend node the test resumes (or fails), so the real controller runs it without kubelets. */
const runAgentAsSuspend = { name: 'run-agent', inputs: { parameters: [{ name: 'agent' }, { name: 'github-app' }] }, suspend: {} };

/** The seed design's stage update: a merge patch of the workflow's own label, after an agent completes. */
const updateWorkflowStage = {
  name: 'update-workflow-stage',
  inputs: { parameters: [{ name: 'stage' }] },
  resource: {
    action: 'patch',
    mergeStrategy: 'merge',
    flags: ['workflow', '{{workflow.name}}'],
    manifest: `metadata:\n  labels:\n    ${WORKFLOW_LABELS.stage}: ${toJsonTag(input('stage'))}\n`,
  },
};

export function playWorkflowTemplate(options: ManifestOptions) {
  const podless = options.playVariant === 'podless';
  const parameters = ['task-id', 'repository', 'service', 'repository-url', 'docs-repository-url', 'working-directory', 'model'];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name: PLAY_TEMPLATE, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      entrypoint: 'main',
      serviceAccountName: PLAY_SERVICE_ACCOUNT,
      activeDeadlineSeconds: 14 * 24 * 3600,
      arguments: {
        parameters: parameters.map((name) => ({
          name,
          ...(name === 'model' ? { value: 'claude-sonnet' } : name === 'working-directory' ? { value: '.' } : name === 'docs-repository-url' ? { value: '' } : {}),
        })),
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
        ...templates(podless),
        waitForEvent,
        podless ? runAgentAsSuspend : runAgentAsCodeRun,
        ...(podless ? [] : [updateWorkflowStage]),
      ],
    },
  };
}
