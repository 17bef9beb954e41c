// The local stack's changes to Knative Serving's upstream install (dev/stack/knative/serving-manifests.ts)
// and the images it runs (serving-images.ts): only the images, the ingress class and the autoscaler
// windows change; the rest of each object stays as upstream wrote it.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../dev/stack/kube-rest';
import { KO_USER, servingImageDefinitions, servingImageNames } from '../../../dev/stack/knative/serving-images';
import { localAutoscaler, localised } from '../../../dev/stack/knative/serving-manifests';
import { traefikIngressClass } from '../../../dev/stack/knative/traefik';

const deployment = (image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'controller', namespace: 'knative-serving' },
  spec: { template: { spec: { containers: [{ name: 'controller', image, securityContext: { runAsNonRoot: true } }] } } },
});
const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'knative-serving' }, data });

describe('Knative Serving install, localised', () => {
  const images = servingImageNames();

  it('runs every ko:// command from the image built here, never pulled', () => {
    const out = localised(deployment('ko://knative.dev/serving/cmd/controller')) as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    expect(out.spec.template.spec.containers[0]).toEqual({ name: 'controller', image: images.controller, imagePullPolicy: 'Never', securityContext: { runAsNonRoot: true } });
  });

  it('refuses a ko:// reference it builds no image for, rather than leaving it unpullable', () => {
    expect(() => localised(deployment('ko://knative.dev/serving/cmd/migrate'))).toThrow(/no image is built here for ko:\/\/knative.dev\/serving\/cmd\/migrate/);
  });

  it('points config-deployment and the queue-proxy Image cache at the queue image', () => {
    expect((localised(configMap('config-deployment', { 'queue-sidecar-image': 'ko://knative.dev/serving/cmd/queue', _example: 'x' })) as { data?: Record<string, string> }).data).toEqual({
      'queue-sidecar-image': images.queue,
      _example: 'x',
    });
    const cache = localised({ apiVersion: 'caching.internal.knative.dev/v1alpha1', kind: 'Image', metadata: { name: 'queue-proxy' }, spec: { image: 'ko://knative.dev/serving/cmd/queue' } });
    expect((cache as { spec?: { image?: string } }).spec?.image).toBe(images.queue);
  });

  it('selects the Traefik ingress class and the short autoscaler windows, and nothing else', () => {
    expect((localised(configMap('config-network', { _example: 'x' })) as { data?: Record<string, string> }).data).toEqual({ _example: 'x', 'ingress-class': traefikIngressClass });
    expect((localised(configMap('config-autoscaler', {})) as { data?: Record<string, string> }).data).toEqual(localAutoscaler);
    const features = configMap('config-features', { _example: 'x' });
    expect(localised(features)).toEqual(features);
  });

  it('does not change the object it was given', () => {
    const original = deployment('ko://knative.dev/serving/cmd/webhook');
    const copy = structuredClone(original);
    localised(original);
    expect(original).toEqual(copy);
  });
});

describe('Knative Serving images', () => {
  it('runs each command as ko does: /ko-app/<command>, numeric non-root user, KO_DATA_PATH', () => {
    const binaries = { 'knative-controller': '/b/c', 'knative-webhook': '/b/w', 'knative-autoscaler': '/b/a', 'knative-activator': '/b/ac', 'knative-queue': '/b/q' };
    const definitions = servingImageDefinitions(binaries);
    expect(definitions.map((d) => d.name)).toEqual(Object.values(servingImageNames()));
    const queue = definitions.find((d) => d.name === servingImageNames().queue)!;
    expect(queue.files).toEqual([{ source: '/b/q', path: '/ko-app/queue', mode: 0o755 }]);
    expect(queue.config.Entrypoint).toEqual(['/ko-app/queue']);
    expect(queue.config.User).toBe(`${KO_USER}:${KO_USER}`);
    expect(Number(KO_USER)).toBeGreaterThan(0);
    expect(queue.config.Env).toContain('KO_DATA_PATH=/var/run/ko');
    // dev.local is in Knative's registries-skipping-tag-resolving default: never resolved to a digest offline.
    for (const name of Object.values(servingImageNames())) expect(name.startsWith('dev.local/')).toBe(true);
  });
});
