/** CodeRun resource templates. The CodeRun CRD belongs to the agent platform; a test copy is test/fixtures/crds/coderun.yaml. */

/**
 * A resource-template body that creates a CodeRun (owned by the workflow) and waits for it to succeed or fail.
 * `finished`: the step succeeds once the CodeRun has finished either way (Succeeded or Failed) and its
 * `phase` output says which, so the workflow can tell an agent failure from a cancellation (a deleted
 * CodeRun fails the step: argoexec's checkResourceState answers NotFound).
 */
export function createCodeRunResource(metadataAndSpec: readonly string[], until: 'succeeded' | 'finished' = 'succeeded') {
  return {
    action: 'create',
    setOwnerReference: true,
    ...(until === 'finished'
      ? { successCondition: 'status.phase in (Succeeded,Failed)' }
      : { successCondition: 'status.phase == Succeeded', failureCondition: 'status.phase in (Failed)' }),
    manifest: ['apiVersion: agents.platform/v1', 'kind: CodeRun', ...metadataAndSpec, ''].join('\n'),
  };
}
