// The Knative Services dev/bench/knative-cold.ts deploys beside pr-opened, made from the Service the
// generator emits for pr-opened (knative/pr-opened.yaml), so that only what must differ differs.
import type { KubeObject } from '../stack/kube-rest';

export interface ServiceContainer {
  name?: string;
  image: string;
  args?: string[];
  readinessProbe?: { httpGet: { path: string } };
  livenessProbe?: { httpGet: { path: string } };
  [key: string]: unknown;
}
export interface KnativeServiceObject extends KubeObject {
  spec: { template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: ServiceContainer[]; volumes?: unknown[]; [key: string]: unknown } } };
}

/** The peer: the generated pr-opened Service with only name, image, command and the runtime's probe paths changed. */
export function peerService(base: KnativeServiceObject, name: string, image: string): KnativeServiceObject {
  const ksvc = structuredClone(base);
  ksvc.metadata.name = name;
  const container = ksvc.spec.template.spec.containers[0]!;
  container.image = image;
  // The image's ENTRYPOINT is node, like ours; the args run faas-js-runtime's CLI on the bundled app.
  container.args = ['node_modules/faas-js-runtime/bin/cli.js', 'function.cjs', '--include-raw', '--port', '8080'];
  // faas-js-runtime serves only / and its own health endpoints (lib/health-check.js).
  container.readinessProbe!.httpGet.path = '/health/readiness';
  container.livenessProbe!.httpGet.path = '/health/liveness';
  return ksvc;
}

/** The floor: the same Service template (annotations, concurrency, probes, resources, security) around helloworld, with no env or volumes. */
export function floorService(base: KnativeServiceObject, name: string, image: string): KnativeServiceObject {
  const ksvc = structuredClone(base);
  ksvc.metadata.name = name;
  const labels = { ...ksvc.spec.template.metadata.labels };
  delete labels['handoff.dev/function'];
  ksvc.spec.template.metadata.labels = labels;
  const { env: _env, args: _args, volumeMounts: _mounts, ...container } = ksvc.spec.template.spec.containers[0]!;
  ksvc.spec.template.spec.containers = [{ ...container, image }];
  delete ksvc.spec.template.spec.volumes;
  return ksvc;
}
