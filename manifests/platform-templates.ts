/**
 * The WorkflowTemplates the platform Sensors submit: each declares the nine parameters and does real
 * work with them. Event text arrives base64-encoded (platform-sensors.ts, PARAMETER_ENCODING) and
 * reaches a container only as an env value, decoded by a constant script (step-scripts.ts); CodeRun
 * manifests take parameters only through `{{=toJson(…)}}` (expressions.ts). docs/security.md.
 */
import { createCodeRunResource } from './coderun-crd';
import { base64Parameter, decoded, digitsOnly, GITHUB_REPO_PATTERN, GITHUB_REPOSITORY_URL_PATTERN, ifMatches, oneOf, parameter, toJsonTag } from './expressions';
import type { ManifestOptions } from './options';
import { serviceAccountWithRole } from './service-account';
import { PLATFORM_PARAMETERS, platformParameterDescription } from './platform-sensors';
import { ORCHESTRATOR_RESUME_CLOSE_SCRIPT, PR_VALIDATION_SCRIPT } from './step-scripts';

const semaphore = (key: string) => ({ semaphores: [{ configMapKeyRef: { name: 'workflow-semaphores', key } }] });

/** An env var that carries a base64 parameter unchanged (base64 has no `{`, so Argo expands nothing in it). */
const base64Env = (name: string, parameterName: string) => ({ name, value: `{{workflow.parameters.${parameterName}}}` });
/** An env var that carries a numeric parameter, or '' when it is not a number. */
const digitsEnv = (name: string, parameterName: string) => ({ name, value: `{{=${digitsOnly(parameter(parameterName))}}}` });

function template(name: string, options: ManifestOptions, body: { serviceAccountName?: string; templates: object[] }) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      entrypoint: 'main',
      serviceAccountName: body.serviceAccountName ?? 'play-orchestration',
      arguments: { parameters: PLATFORM_PARAMETERS.map((parameterName) => ({ name: parameterName, value: '', description: platformParameterDescription(parameterName) })) },
      synchronization: semaphore(name),
      ttlStrategy: { secondsAfterSuccess: 3600, secondsAfterFailure: 86400 },
      templates: body.templates,
    },
  };
}

/** The agents the platform Sensors name; any other `agent` value becomes `invalid-agent`, which no GitHub App matches. */
export const PLATFORM_AGENTS = ['rex', 'triage', 'security'] as const;

const service = ifMatches(decoded('repo'), GITHUB_REPO_PATTERN);
const repositoryUrl = ifMatches(`'https://github.com/' + ${decoded('owner')} + '/' + ${decoded('repo')}`, GITHUB_REPOSITORY_URL_PATTERN);

/**
 * A CodeRun for `agent`, created by the workflow and waited on. Event text stays base64 in the
 * CodeRun's env (`*_B64`): decoding it here would put the text back into the template, where Argo's
 * second substitution pass would expand `{{…}}` in it. The agent decodes it.
 */
function codeRunStep(agentExpression: string) {
  const json = toJsonTag;
  return {
    name: 'main',
    resource: createCodeRunResource([
      'metadata:',
      `  generateName: ${json(`${agentExpression} + '-' + workflow.name + '-'`)}`,
      '  labels:',
      `    agent: ${json(agentExpression)}`,
      `    pr-number: ${json(digitsOnly(parameter('pr')))}`,
      `    workflow-name: ${json('workflow.name')}`,
      'spec:',
      `  service: ${json(service)}`,
      `  repositoryUrl: ${json(repositoryUrl)}`,
      '  docsRepositoryUrl: ""',
      '  workingDirectory: "."',
      '  model: "claude-sonnet"',
      `  githubApp: ${json(agentExpression)}`,
      '  env:',
      `    GITHUB_EVENT_B64: ${json(base64Parameter('event'))}`,
      `    OWNER_B64: ${json(base64Parameter('owner'))}`,
      `    REPO_B64: ${json(base64Parameter('repo'))}`,
      `    PR_NUMBER: ${json(digitsOnly(parameter('pr')))}`,
      `    ISSUE_NUMBER: ${json(digitsOnly(parameter('issue')))}`,
      `    BRANCH_B64: ${json(base64Parameter('branch'))}`,
      `    INCLUDE_COMMENTS: ${json(`(${parameter('includeComments')} == 'true' ? 'true' : 'false')`)}`,
      `    COMMENT_BODY_B64: ${json(base64Parameter('commentBody'))}`,
    ]),
  };
}

/** A container step that runs a constant script with the event values in its env. */
function scriptStep(image: string, script: string) {
  return {
    name: 'main',
    container: {
      name: 'main',
      image,
      command: ['sh', '-c', script],
      env: [base64Env('OWNER_B64', 'owner'), base64Env('REPO_B64', 'repo'), base64Env('BRANCH_B64', 'branch'), digitsEnv('PR_NUMBER', 'pr')],
    },
  };
}

export function platformTemplates(options: ManifestOptions) {
  return [
    template('pr-validation', options, { templates: [scriptStep(options.stepImages.shell, PR_VALIDATION_SCRIPT)] }),
    template('coderun-template', options, { templates: [codeRunStep(oneOf(parameter('agent'), PLATFORM_AGENTS, 'invalid-agent'))] }),
    template('implementation', options, { templates: [codeRunStep("'rex'")] }),
    template('orchestrator-resume-close', options, {
      serviceAccountName: 'orchestrator-resume-close',
      templates: [scriptStep(options.stepImages.kubectl, ORCHESTRATOR_RESUME_CLOSE_SCRIPT)],
    }),
  ];
}

/** orchestrator-resume-close labels and annotates play workflows: list and patch, nothing else. */
export function orchestratorRbac(options: ManifestOptions) {
  return serviceAccountWithRole('orchestrator-resume-close', options.namespace, [
    { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['list', 'patch'] },
    { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
  ]);
}
