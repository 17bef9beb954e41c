/**
 * The platform's workflow-creating Sensors (from the seed design). Every one submits
 * a Workflow from a WorkflowTemplate with the same nine parameters; the task ID is
 * parsed downstream. One trigger per dependency, so a parameter never reads a
 * dependency that did not fire; every parameter still has a `value` default
 * (argo-events v1.9.11 dereferences a nil parameter value in OR-triggers).
 *
 * Every parameter comes from the payload or is a constant. Text is base64-encoded here, in the
 * Sensor, so that no event text ever reaches Argo Workflows' template substitution (which expands
 * `{{…}}` inside parameter values): see docs/security.md ("Untrusted text").
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

/**
 * Where a parameter comes from. `text`: the string at a gjson path of the event data, base64-encoded
 * (standard alphabet, padded) by a sprig `dataTemplate`; `number`: a JSON number at a path (`dataKey`,
 * so only digits); `payload`: the whole GitHub payload as JSON, base64-encoded; `constant`: a fixed
 * value. A missing or non-string field makes the template fail, and Argo Events then falls back to
 * the `value` default '' (pkg/sensors/triggers/params.go `ResolveParamValue`): the event is not dropped.
 */
export type ParameterSource = { readonly text: string } | { readonly number: string } | { readonly payload: true } | { readonly constant: string };

interface Dependency {
  readonly name: string;
  /** The GitHub event (X-GitHub-Event) this dependency accepts. */
  readonly event: string;
  readonly filters: Record<string, unknown>;
  readonly parameters: Partial<Record<Parameter, ParameterSource>>;
}

interface PlatformSensor {
  readonly name: string;
  readonly template: string;
  readonly dependencies: readonly Dependency[];
}

/** The encoding of each parameter's value in the Workflow, as the WorkflowTemplates describe it. */
export const PARAMETER_ENCODING: Record<Parameter, 'base64' | 'number' | 'constant'> = {
  event: 'base64',
  owner: 'base64',
  repo: 'base64',
  pr: 'number',
  issue: 'number',
  branch: 'base64',
  agent: 'constant',
  includeComments: 'constant',
  commentBody: 'base64',
};

const MEANING: Record<Parameter, string> = {
  event: 'the GitHub webhook payload as JSON',
  owner: 'the repository owner login',
  repo: 'the repository name',
  pr: 'the pull request number',
  issue: 'the issue number',
  branch: 'the head branch name',
  agent: 'the agent to run (rex, triage, security)',
  includeComments: 'true when the agent should read the comment',
  commentBody: 'the comment text',
};

/** The `description` of each WorkflowTemplate parameter: what it holds and how it is encoded. */
export function platformParameterDescription(name: Parameter): string {
  const encoding = PARAMETER_ENCODING[name];
  if (encoding === 'base64') return `${MEANING[name]}, as base64 (standard alphabet, padded) of the UTF-8 text; empty when the event has none`;
  if (encoding === 'number') return `${MEANING[name]}, decimal digits; empty when the event has none`;
  return `${MEANING[name]}; a constant set by the Sensor`;
}

const text = (path: string) => ({ text: path });
const repoParameters = { event: { payload: true }, owner: text('body.repository.owner.login'), repo: text('body.repository.name') } as const;

export const PLATFORM_SENSORS: readonly PlatformSensor[] = [
  {
    name: 'platform-pr-validation',
    template: 'pr-validation',
    dependencies: [
      {
        name: 'pull-request',
        event: 'pull_request',
        filters: { data: [event('pull_request'), action('opened', 'reopened', 'synchronize', 'ready_for_review'), { path: 'body.pull_request.draft', type: 'bool', value: ['false'] }] },
        parameters: { ...repoParameters, pr: { number: 'body.pull_request.number' }, branch: text('body.pull_request.head.ref') },
      },
    ],
  },
  {
    name: 'platform-comment-to-rex',
    template: 'coderun-template',
    dependencies: ['issue_comment', 'pull_request_review_comment'].map((name) => ({
      name: name.replace(/_/g, '-'),
      event: name,
      filters: { data: [event(name), action('created'), str('body.sender.type', anchored('Bot'), '!=')] },
      parameters: {
        ...repoParameters,
        agent: { constant: 'rex' },
        includeComments: { constant: 'true' },
        commentBody: text('body.comment.body'),
        ...(name === 'issue_comment'
          ? { issue: { number: 'body.issue.number' }, pr: { number: 'body.issue.number' } }
          : { pr: { number: 'body.pull_request.number' }, branch: text('body.pull_request.head.ref') }),
      },
    })),
  },
  {
    name: 'platform-ci-failure-triage',
    template: 'coderun-template',
    dependencies: ['workflow_run', 'check_run'].map((name) => ({
      name: name.replace(/_/g, '-'),
      event: name,
      filters: { data: [event(name), action('completed'), str(`body.${name}.conclusion`, anchored('failure', 'timed_out'))] },
      // A workflow run names its branch; a check run's branch is its check suite's.
      parameters: { ...repoParameters, agent: { constant: 'triage' }, branch: text(name === 'workflow_run' ? 'body.workflow_run.head_branch' : 'body.check_run.check_suite.head_branch') },
    })),
  },
  {
    name: 'platform-issue-implementation',
    template: 'implementation',
    dependencies: [
      {
        name: 'issue-opened',
        event: 'issues',
        filters: { data: [event('issues'), action('opened')] },
        parameters: { ...repoParameters, agent: { constant: 'rex' }, issue: { number: 'body.issue.number' } },
      },
    ],
  },
  {
    name: 'platform-security',
    template: 'coderun-template',
    dependencies: [
      { name: 'security-advisory', event: 'security_advisory', filters: { data: [event('security_advisory')] }, parameters: { event: { payload: true }, agent: { constant: 'security' } } },
      {
        name: 'security-scan',
        event: 'workflow_run',
        filters: { data: [event('workflow_run'), action('completed'), str('body.workflow_run.name', ['(?i)(security|scan)'])] },
        parameters: { ...repoParameters, agent: { constant: 'security' }, branch: text('body.workflow_run.head_branch') },
      },
    ],
  },
  {
    name: 'platform-merge-to-orchestrator',
    template: 'orchestrator-resume-close',
    dependencies: [
      {
        name: 'default-branch-push',
        event: 'push',
        filters: {
          data: [event('push')],
          exprs: [{ expr: 'ref == "refs/heads/" + branch', fields: [{ name: 'ref', path: 'body.ref' }, { name: 'branch', path: 'body.repository.default_branch' }] }],
        },
        parameters: { ...repoParameters, branch: text('body.repository.default_branch') },
      },
      {
        name: 'merged-pr',
        event: 'pull_request',
        filters: { data: [event('pull_request'), action('closed'), { path: 'body.pull_request.merged', type: 'bool', value: ['true'] }] },
        parameters: { ...repoParameters, pr: { number: 'body.pull_request.number' }, branch: text('body.pull_request.head.ref') },
      },
    ],
  },
];

/** A gjson path (`body.a.b`) as a Go template field chain (`.Input.body.a.b`). */
const templateField = (path: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)) throw new Error(`${path}: only plain dotted paths can be template fields`);
  return `.Input.${path}`;
};

/** The payload as the GitHub EventSource publishes it, without the two header keys it adds to the body. */
export const PAYLOAD_TEMPLATE = '{{ omit .Input.body "X-GitHub-Event" "X-GitHub-Delivery" | toJson | b64enc }}';

/** The Argo Events trigger parameter source for one parameter; always with a `value` default. */
export function parameterSource(dependencyName: string, from: ParameterSource | undefined) {
  if (from === undefined) return { dependencyName, value: '' };
  if ('constant' in from) return { dependencyName, value: from.constant };
  if ('number' in from) return { dependencyName, dataKey: from.number, value: '' };
  if ('payload' in from) return { dependencyName, dataTemplate: PAYLOAD_TEMPLATE, value: '' };
  return { dependencyName, dataTemplate: `{{ ${templateField(from.text)} | b64enc }}`, value: '' };
}

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
        parameters: PLATFORM_PARAMETERS.map((name, index) => ({ src: parameterSource(dependency.name, dependency.parameters[name]), dest: `spec.arguments.parameters.${index}.value` })),
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
