/** CodeRun resource templates. The CodeRun CRD belongs to the agent platform; a test copy is test/fixtures/crds/coderun.yaml. */

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
