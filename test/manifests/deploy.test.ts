import { describe, expect, it } from 'vitest';
import { deployObjects, parseDeployArgs } from '../../scripts/deploy';

describe('deploy', () => {
  it('sends only the named function\'s objects, RBAC before the Service', () => {
    const objects = deployObjects(parseDeployArgs(['rex-push', '--image', 'registry.local/handoff:1']));
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'ServiceAccount/handoff-rex-push',
      'Role/handoff-rex-push',
      'RoleBinding/handoff-rex-push',
      'Service/rex-push',
    ]);
    expect((objects[3] as any).spec.template.spec.containers[0].image).toBe('registry.local/handoff:1');
  });

  it('deploys all functions, and with --manifests the Argo objects too, never the agent platform\'s CodeRun CRD', () => {
    expect(deployObjects(parseDeployArgs(['all'])).filter((o) => o.kind === 'Service')).toHaveLength(4);
    const objects = deployObjects(parseDeployArgs(['pr-opened', '--manifests', '--namespace', 'ci']));
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['EventSource', 'Sensor', 'WorkflowTemplate']));
    expect(objects.map((o) => o.kind)).not.toContain('CustomResourceDefinition');
    expect(objects.every((o) => o.metadata?.namespace === 'ci')).toBe(true);
  });

  it('rejects an unknown function with the usage', () => {
    expect(() => parseDeployArgs(['nope'])).toThrow(/usage: npm run deploy -- <pr-opened\|/);
    expect(() => parseDeployArgs([])).toThrow(/usage/);
  });
});
