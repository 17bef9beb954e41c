/** The WorkflowTemplates the platform Sensors submit: each declares the nine parameters and does real work with them. */
import { createCodeRunResource } from './coderun-crd';
import type { ManifestOptions } from './options';
import { serviceAccountWithRole } from './service-account';
import { PLATFORM_PARAMETERS } from './platform-sensors';

const p = (name: string) => `{{workflow.parameters.${name}}}`;
const semaphore = (key: string) => ({ semaphores: [{ configMapKeyRef: { name: 'workflow-semaphores', key } }] });

function template(name: string, options: ManifestOptions, body: { serviceAccountName?: string; templates: object[] }) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      entrypoint: 'main',
      serviceAccountName: body.serviceAccountName ?? 'play-orchestration',
      arguments: { parameters: PLATFORM_PARAMETERS.map((parameter) => ({ name: parameter, value: '' })) },
      synchronization: semaphore(name),
      ttlStrategy: { secondsAfterSuccess: 3600, secondsAfterFailure: 86400 },
      templates: body.templates,
    },
  };
}

/** A CodeRun for `agent`, created by the workflow and waited on. */
function codeRunStep(agentExpression: string) {
  return {
    name: 'main',
    resource: createCodeRunResource([
      'metadata:',
      `  generateName: "${agentExpression}-{{workflow.name}}-"`,
      '  labels:',
      `    agent: "${agentExpression}"`,
      `    pr-number: "${p('pr')}"`,
      `    repository: "${p('owner')}-${p('repo')}"`,
      '    workflow-name: "{{workflow.name}}"',
      'spec:',
      `  service: "${p('repo')}"`,
      `  repositoryUrl: "https://github.com/${p('owner')}/${p('repo')}"`,
      '  docsRepositoryUrl: ""',
      '  workingDirectory: "."',
      '  model: "claude-sonnet"',
      `  githubApp: "${agentExpression}"`,
      '  env:',
      `    GITHUB_EVENT: "${p('event')}"`,
      `    PR_NUMBER: "${p('pr')}"`,
      `    ISSUE_NUMBER: "${p('issue')}"`,
      `    BRANCH: "${p('branch')}"`,
      `    INCLUDE_COMMENTS: "${p('includeComments')}"`,
      `    COMMENT_BODY: ${JSON.stringify(p('commentBody'))}`,
    ]),
  };
}

export function platformTemplates(options: ManifestOptions) {
  return [
    template('pr-validation', options, {
      templates: [
        {
          name: 'main',
          container: {
            name: 'main',
            image: 'alpine:3.20',
            command: ['sh', '-c'],
            args: [
              [
                'set -eu',
                `echo "validating ${p('owner')}/${p('repo')}#${p('pr')} (${p('event')}) on branch ${p('branch')}"`,
                `task=$(printf '%s' "${p('branch')}" | sed -nE 's#(^|.*/)task-([0-9]+)(-.*)?$#\\2#p')`,
                'if [ -z "$task" ]; then echo "branch does not name a task: expected task-<N>-… or …/task-<N>-…" >&2; exit 1; fi',
                'echo "task $task"',
              ].join('\n'),
            ],
          },
        },
      ],
    }),
    template('coderun-template', options, { templates: [codeRunStep(p('agent'))] }),
    template('implementation', options, { templates: [codeRunStep('rex')] }),
    template('orchestrator-resume-close', options, {
      serviceAccountName: 'orchestrator-resume-close',
      templates: [
        {
          name: 'main',
          container: {
            name: 'main',
            image: 'bitnami/kubectl:1.34',
            command: ['sh', '-c'],
            args: [
              [
                'set -eu',
                `echo "merged into ${p('owner')}/${p('repo')}: branch ${p('branch')} pr ${p('pr')}"`,
                `kubectl label workflows -l workflow-type=play-orchestration,repository=${p('owner')}-${p('repo')} handoff.dev/merged-branch=${p('branch')} --overwrite`,
              ].join('\n'),
            ],
          },
        },
      ],
    }),
  ];
}

/** orchestrator-resume-close labels play workflows: list and patch, nothing else. */
export function orchestratorRbac(options: ManifestOptions) {
  return serviceAccountWithRole('orchestrator-resume-close', options.namespace, [
    { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['list', 'patch'] },
    { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
  ]);
}
