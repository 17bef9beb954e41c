/** Our CodeRun CRD (agents.platform/v1), with the fields the play template and rex-push use. */

const string = { type: 'string' };

export function codeRunCrd() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'coderuns.agents.platform' },
    spec: {
      group: 'agents.platform',
      scope: 'Namespaced',
      names: { kind: 'CodeRun', listKind: 'CodeRunList', plural: 'coderuns', singular: 'coderun', shortNames: ['cr'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Task', type: 'integer', jsonPath: '.spec.taskId' },
            { name: 'App', type: 'string', jsonPath: '.spec.githubApp' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['service', 'repositoryUrl', 'docsRepositoryUrl', 'workingDirectory', 'model', 'githubApp'],
                  properties: {
                    taskId: { type: 'integer', minimum: 0 },
                    service: string,
                    repositoryUrl: string,
                    docsRepositoryUrl: string,
                    workingDirectory: string,
                    model: string,
                    githubApp: string,
                    runType: { type: 'string', enum: ['implementation', 'documentation', 'intake'] },
                    env: { type: 'object', additionalProperties: string },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    phase: { type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed'] },
                    message: string,
                    pullRequestUrl: string,
                    lastUpdate: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** A resource-template body that creates a CodeRun (owned by the workflow) and waits for it to succeed or fail. */
export function createCodeRunResource(metadataAndSpec: readonly string[]) {
  return {
    action: 'create',
    setOwnerReference: true,
    successCondition: 'status.phase == Succeeded',
    failureCondition: 'status.phase in (Failed)',
    manifest: ['apiVersion: agents.platform/v1', 'kind: CodeRun', ...metadataAndSpec, ''].join('\n'),
  };
}
