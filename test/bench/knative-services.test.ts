// bench:knative compares pr-opened with its peer and the floor as Knative Services: the peer must
// differ from the generated pr-opened Service only where the runtime makes it differ.
import { describe, expect, it } from 'vitest';
import { buildManifests, objectsOf } from '../../manifests';
import { floorService, peerService, type KnativeServiceObject } from '../../dev/bench/knative-services';

async function prOpenedService(): Promise<KnativeServiceObject> {
  const files = buildManifests({ namespace: 'argo', image: 'dev.local/handoff:test' });
  const found = objectsOf(files, (f) => f.path === 'knative/pr-opened.yaml').find((o) => o.kind === 'Service' && o.apiVersion.startsWith('serving.knative.dev/'));
  expect(found).toBeDefined();
  return found as KnativeServiceObject;
}

describe('the Knative Services of bench:knative', () => {
  it('the peer is the generated pr-opened Service with only name, image, command and the runtime\'s probe paths changed', async () => {
    const base = await prOpenedService();
    const peer = peerService(base, 'pr-opened-faas', 'dev.local/peer:test');
    const [container] = peer.spec.template.spec.containers;
    expect(peer.metadata.name).toBe('pr-opened-faas');
    expect(container!.image).toBe('dev.local/peer:test');
    expect(container!.args).toEqual(['node_modules/faas-js-runtime/bin/cli.js', 'function.cjs', '--include-raw', '--port', '8080']);
    expect(container!.readinessProbe!.httpGet.path).toBe('/health/readiness');
    expect(container!.livenessProbe!.httpGet.path).toBe('/health/liveness');
    // Everything else is pr-opened's: put the changed fields back and the objects are equal.
    const restored = structuredClone(peer);
    const [again] = restored.spec.template.spec.containers;
    const [original] = base.spec.template.spec.containers;
    restored.metadata.name = base.metadata.name;
    Object.assign(again!, { image: original!.image, args: original!.args });
    again!.readinessProbe!.httpGet.path = original!.readinessProbe!.httpGet.path;
    again!.livenessProbe!.httpGet.path = original!.livenessProbe!.httpGet.path;
    expect(restored).toEqual(base);
    expect(base.spec.template.spec.containers[0]!.image).toBe('dev.local/handoff:test'); // not mutated
  });

  it('the floor keeps the template (annotations, concurrency, probes, resources, security) and carries no env, volume or args', async () => {
    const base = await prOpenedService();
    const floor = floorService(base, 'helloworld', 'dev.local/helloworld:test');
    const [container] = floor.spec.template.spec.containers;
    const [original] = base.spec.template.spec.containers;
    expect(floor.metadata.name).toBe('helloworld');
    expect(container).toEqual({ name: original!.name, image: 'dev.local/helloworld:test', ports: original!.ports, readinessProbe: original!.readinessProbe, livenessProbe: original!.livenessProbe, resources: original!.resources, securityContext: original!.securityContext });
    expect(floor.spec.template.spec.volumes).toBeUndefined();
    expect(floor.spec.template.metadata.annotations).toEqual(base.spec.template.metadata.annotations);
    expect(floor.spec.template.spec.containerConcurrency).toBe(base.spec.template.spec.containerConcurrency);
    expect(floor.spec.template.spec.serviceAccountName).toBe(base.spec.template.spec.serviceAccountName);
  });
});
