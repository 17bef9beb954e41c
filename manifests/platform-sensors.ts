/**
 * The platform's workflow-creating Sensors (from the seed design). Every one submits
 * a Workflow from a WorkflowTemplate with the same nine parameters; the task ID is
 * parsed downstream. One trigger per dependency, so a parameter never reads a
 * dependency that did not fire; every parameter still has a `value` default
 * (argo-events v1.9.11 dereferences a nil parameter value in OR-triggers).
 */
import { escapeRegex } from './sensor-filters';
import type { ManifestOptions } from './options';
import { serviceAccountWithRole } from './service-account';

export const PLATFORM_PARAMETERS = ['event', 'owner', 'repo', 'pr', 'issue', 'branch', 'agent', 'includeComments', 'commentBody'] as const;
type Parameter = (typeof PLATFORM_PARAMETERS)[number];
export const SUBMITTER = 'argo-events-workflow-submitter';

const anchored = (...values: string[]) => [`^(${values.map(escapeRegex).join('|')})$`];
const str = (path: string, values: string[], comparator?: '!=') => ({ path, type: 'string', value: values, ...(comparator ? { comparator } : {}) });
const event = (...names: string[]) => str('body.X-GitHub-Event', anchored(...names));
const action = (...names: string[]) => str('body.action', anchored(...names));

interface Dependency {
  readonly name: string;
  readonly filters: Record<string, unknown>;
  /** Where each parameter comes from in this event (a gjson path), or a constant. */
  readonly parameters: Partial<Record<Parameter, { path: string } | { value: string }>>;
}

interface PlatformSensor {
  readonly name: string;
  readonly template: string;
  readonly dependencies: readonly Dependency[];
}

const repoParameters = { event: { path: 'body.X-GitHub-Event' }, owner: { path: 'body.repository.owner.login' }, repo: { path: 'body.repository.name' } } as const;

export const PLATFORM_SENSORS: readonly PlatformSensor[] = [
  {
    name: 'platform-pr-validation',
    template: 'pr-validation',
    dependencies: [
      {
        name: 'pull-request',
        filters: { data: [event('pull_request'), action('opened', 'reopened', 'synchronize', 'ready_for_review'), { path: 'body.pull_request.draft', type: 'bool', value: ['false'] }] },
        parameters: { ...repoParameters, pr: { path: 'body.pull_request.number' }, branch: { path: 'body.pull_request.head.ref' } },
      },
    ],
  },
  {
    name: 'platform-comment-to-rex',
    template: 'coderun-template',
    dependencies: ['issue_comment', 'pull_request_review_comment'].map((name) => ({
      name: name.replace(/_/g, '-'),
      filters: { data: [event(name), action('created'), str('body.sender.type', anchored('Bot'), '!=')] },
      parameters: {
        ...repoParameters,
        agent: { value: 'rex' },
        includeComments: { value: 'true' },
        commentBody: { path: 'body.comment.body' },
        ...(name === 'issue_comment' ? { issue: { path: 'body.issue.number' }, pr: { path: 'body.issue.number' } } : { pr: { path: 'body.pull_request.number' }, branch: { path: 'body.pull_request.head.ref' } }),
      },
    })),
  },
  {
    name: 'platform-ci-failure-triage',
    template: 'coderun-template',
    dependencies: ['workflow_run', 'check_run'].map((name) => ({
      name: name.replace(/_/g, '-'),
      filters: { data: [event(name), action('completed'), str(`body.${name}.conclusion`, anchored('failure', 'timed_out'))] },
      parameters: { ...repoParameters, agent: { value: 'triage' }, branch: { path: `body.${name}.head_branch` } },
    })),
  },
  {
    name: 'platform-issue-implementation',
    template: 'implementation',
    dependencies: [
      { name: 'issue-opened', filters: { data: [event('issues'), action('opened')] }, parameters: { ...repoParameters, agent: { value: 'rex' }, issue: { path: 'body.issue.number' } } },
    ],
  },
  {
    name: 'platform-security',
    template: 'coderun-template',
    dependencies: [
      { name: 'security-advisory', filters: { data: [event('security_advisory')] }, parameters: { event: { path: 'body.X-GitHub-Event' }, agent: { value: 'security' } } },
      {
        name: 'security-scan',
        filters: { data: [event('workflow_run'), action('completed'), str('body.workflow_run.name', ['(?i)(security|scan)'])] },
        parameters: { ...repoParameters, agent: { value: 'security' }, branch: { path: 'body.workflow_run.head_branch' } },
      },
    ],
  },
  {
    name: 'platform-merge-to-orchestrator',
    template: 'orchestrator-resume-close',
    dependencies: [
      {
        name: 'default-branch-push',
        filters: {
          data: [event('push')],
          exprs: [{ expr: 'ref == "refs/heads/" + branch', fields: [{ name: 'ref', path: 'body.ref' }, { name: 'branch', path: 'body.repository.default_branch' }] }],
        },
        parameters: { ...repoParameters, branch: { path: 'body.repository.default_branch' } },
      },
      {
        name: 'merged-pr',
        filters: { data: [event('pull_request'), action('closed'), { path: 'body.pull_request.merged', type: 'bool', value: ['true'] }] },
        parameters: { ...repoParameters, pr: { path: 'body.pull_request.number' }, branch: { path: 'body.pull_request.head.ref' } },
      },
    ],
  },
];

function trigger(sensor: PlatformSensor, dependency: Dependency, options: ManifestOptions) {
  return {
    template: {
      name: `${sensor.template}-from-${dependency.name}`,
      conditions: dependency.name,
      k8s: {
        operation: 'create',
        source: {
          resource: {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Workflow',
            metadata: { generateName: `${sensor.template}-`, namespace: options.namespace, labels: { 'handoff.dev/sensor': sensor.name } },
            spec: {
              workflowTemplateRef: { name: sensor.template },
              arguments: { parameters: PLATFORM_PARAMETERS.map((name) => ({ name, value: '' })) },
            },
          },
        },
        parameters: PLATFORM_PARAMETERS.map((name, index) => {
          const from = dependency.parameters[name];
          const src = from && 'path' in from ? { dependencyName: dependency.name, dataKey: from.path, value: '' } : { dependencyName: dependency.name, value: from?.value ?? '' };
          return { src, dest: `spec.arguments.parameters.${index}.value` };
        }),
      },
    },
    rateLimit: { unit: 'Minute', requestsPerUnit: 60 },
    retryStrategy: { steps: 3, duration: '2s', factor: 2 },
  };
}

export function platformSensor(sensor: PlatformSensor, options: ManifestOptions) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: sensor.name, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      eventBusName: options.eventBusName,
      template: { serviceAccountName: SUBMITTER },
      dependencies: sensor.dependencies.map((dependency) => ({ name: dependency.name, eventSourceName: options.eventSourceName, eventName: options.eventSourceName, filters: dependency.filters })),
      triggers: sensor.dependencies.map((dependency) => trigger(sensor, dependency, options)),
    },
  };
}

/** The Sensors' ServiceAccount: it can only create, get and list workflows. */
export function submitterRbac(options: ManifestOptions) {
  return serviceAccountWithRole(SUBMITTER, options.namespace, [{ apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['create', 'get', 'list'] }]);
}
