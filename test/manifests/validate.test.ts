/** Every generated Knative Service and Argo Workflows object validates against the upstream schemas. */
import { WorkflowTemplate } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/WorkflowTemplate';
import { Service } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { describe, expect, it } from 'vitest';
import { buildManifests } from '../../manifests/index';
import { DECLARATIONS } from '../../shared/declarations';

/**
 * Argo's ParallelSteps is the Go struct {Steps []WorkflowStep} with a custom JSON
 * (un)marshaller that reads and writes a bare array; the models are generated from
 * the Go struct, so they expect {steps: [...]}. Wrap each group that way, and every
 * step is still validated field by field. (`argo lint` checks the real form end to end.)
 */
function asModelSteps(template: any) {
  const copy = structuredClone(template);
  for (const t of copy.spec.templates) if (t.steps) t.steps = t.steps.map((group: unknown[]) => ({ steps: group }));
  return copy;
}

const objects = () => buildManifests().flatMap((file) => file.objects as any[]);

describe('upstream schema validation', () => {
  it.each(objects().filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, o] as const))('Knative Service %s is valid', (_name, object) => {
    expect(() => new Service(object).validate()).not.toThrow();
  });

  it('the play WorkflowTemplate is valid', () => {
    const template = objects().find((o) => o.kind === 'WorkflowTemplate');
    expect(() => new WorkflowTemplate(asModelSteps(template)).validate()).not.toThrow();
  });

  it('a broken step is rejected, so the template validation is real', () => {
    const template = asModelSteps(objects().find((o) => o.kind === 'WorkflowTemplate'));
    template.spec.templates[0].steps[0].steps[0].continueOn = 'yes';
    expect(() => new WorkflowTemplate(template).validate()).toThrow(/continueOn/);
  });

  it('a broken Service is rejected, so the validation is real', () => {
    const service = structuredClone(objects().find((o) => o.kind === 'Service'));
    service.spec.template.spec.containers[0].ports = 'not-a-list';
    expect(() => new Service(service).validate()).toThrow();
  });

  it('grants each function exactly the verbs it uses, and CodeRun deletion only to rex-push', () => {
    const roles = objects().filter((o) => o.kind === 'Role' && o.metadata.name.startsWith('handoff-'));
    expect(roles).toHaveLength(DECLARATIONS.length);
    for (const role of roles) {
      const coderuns = role.rules.find((r: any) => r.resources.includes('coderuns'));
      expect(role.rules.find((r: any) => r.resources.includes('workflows')).verbs).toEqual(['get', 'list', 'update']);
      if (role.metadata.name === 'handoff-rex-push') expect(coderuns.verbs).toEqual(['list', 'delete']);
      else expect(coderuns).toBeUndefined();
    }
  });

  it('Knative Services need no Knative feature flag and leave no insecure default (full check: validate-knative-services in e2e)', () => {
    for (const service of buildManifests({ namespace: 'team-a' }).flatMap((file) => file.objects as any[]).filter((o) => o.kind === 'Service')) {
      const [container] = service.spec.template.spec.containers;
      expect(container.env.find((e: any) => e.name === 'NAMESPACE')).toEqual({ name: 'NAMESPACE', value: 'team-a' });
      expect(JSON.stringify(service)).not.toContain('fieldRef');
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    }
  });

  it('Knative Services scale to zero, stay cluster-local and probe /healthz and /readyz', () => {
    for (const service of objects().filter((o) => o.kind === 'Service')) {
      expect(service.metadata.labels['networking.knative.dev/visibility']).toBe('cluster-local');
      expect(service.spec.template.metadata.annotations['autoscaling.knative.dev/min-scale']).toBe('0');
      const [container] = service.spec.template.spec.containers;
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.resources.requests).toBeDefined();
    }
  });
});
