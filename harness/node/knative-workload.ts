// What Knative's revision reconciler would run for a Knative Service, without Knative: a Deployment
// of the Service's pod template and a ClusterIP Service in front of it. Until Knative Serving runs on
// the node (the next step of the local stack), this is how the shipped image, ServiceAccounts,
// probes, securityContext and volumes of knative/<function>.yaml run as real pods. The pod spec is
// taken unchanged except for the fields only Knative understands (RevisionSpec: containerConcurrency,
// timeoutSeconds, responseStartTimeoutSeconds, idleTimeoutSeconds) and the environment Knative adds
// to the user container (PORT = the container port, K_SERVICE, K_CONFIGURATION, K_REVISION; serving
// pkg/reconciler/revision/resources/deploy.go, makeContainer / getKnativeEnvVar).
import type { KubeObject } from '../kube-rest';

interface Container {
  name?: string;
  image?: string;
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number; name?: string }[];
  [field: string]: unknown;
}

interface KnativeService extends KubeObject {
  spec: { template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> & { containers: Container[] } } };
}

const knativeOnly = ['containerConcurrency', 'timeoutSeconds', 'responseStartTimeoutSeconds', 'idleTimeoutSeconds'];

export interface Workload {
  deployment: KubeObject;
  service: KubeObject;
}

/** The Deployment and Service for one Knative Service; `image` replaces the container image when given. */
export function workloadOf(ksvc: KnativeService, options: { image?: string } = {}): Workload {
  const name = ksvc.metadata.name;
  const namespace = ksvc.metadata.namespace;
  const selector = { 'handoff.dev/workload': name };
  const podSpec = Object.fromEntries(Object.entries(ksvc.spec.template.spec).filter(([field]) => !knativeOnly.includes(field)));
  const containers = ksvc.spec.template.spec.containers.map((container) => {
    const port = container.ports?.[0]?.containerPort ?? 8080;
    const knativeEnv = [
      { name: 'PORT', value: String(port) },
      { name: 'K_SERVICE', value: name },
      { name: 'K_CONFIGURATION', value: name },
      { name: 'K_REVISION', value: `${name}-local` },
    ];
    return { ...container, image: options.image ?? container.image, imagePullPolicy: 'Never', env: [...(container.env ?? []), ...knativeEnv] };
  });
  const port = ksvc.spec.template.spec.containers[0]?.ports?.[0]?.containerPort ?? 8080;
  return {
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels: { ...(ksvc.metadata.labels ?? {}), ...selector } },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: { metadata: { labels: { ...(ksvc.spec.template.metadata?.labels ?? {}), ...selector }, annotations: ksvc.spec.template.metadata?.annotations }, spec: { ...podSpec, containers } },
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels: selector },
      spec: { selector, ports: [{ name: 'http', port: 80, targetPort: port }] },
    },
  };
}
