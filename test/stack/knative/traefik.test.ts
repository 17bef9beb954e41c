// Traefik's objects on the node (dev/stack/knative/traefik.ts), checked against what its Knative
// provider (traefik v3.6.15 pkg/provider/kubernetes/knative) reads and writes, and against the
// rules the kubelet and Kubernetes enforce.
import { describe, expect, it } from 'vitest';
import { traefikArgs, traefikImage, traefikImageName, traefikIngressClass, traefikNamespace, traefikObjects, traefikServiceHost, traefikServices } from '../../../dev/stack/knative/traefik';
import type { KubeObject } from '../../../dev/stack/kube-rest';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Port {
  name: string;
  containerPort: number;
}

const objects = traefikObjects();
const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
const only = (kind: string) => {
  const found = ofKind(kind);
  expect(found).toHaveLength(1);
  return found[0]! as KubeObject & Record<string, any>;
};
const deployment = only('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

/** `--a.b=c` flags as a map (the last one wins, as in Traefik's flag parser). */
function flags(args: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const arg of args) {
    const m = /^--([^=]+)=(.*)$/.exec(arg);
    expect(m, `flag ${arg} has the --name=value form`).not.toBeNull();
    map.set(m![1]!.toLowerCase(), m![2]!);
  }
  return map;
}

/** Entrypoint name → port, from --entryPoints.<name>.address=:<port>. */
function entrypoints(args: string[]): Map<string, number> {
  const found = new Map<string, number>();
  for (const [name, value] of flags(args)) {
    const m = /^entrypoints\.([^.]+)\.address$/.exec(name);
    if (m) found.set(m[1]!, Number(/^:(\d+)$/.exec(value)![1]));
  }
  return found;
}

describe('Traefik Knative provider flags', () => {
  const args = flags(container.args);
  const points = entrypoints(container.args);

  it('enables the provider behind its experimental switch (static_config.go refuses one without the other)', () => {
    expect(args.get('experimental.knative')).toBe('true');
    expect(args.get('providers.knative')).toBe('true');
  });

  it('names public and private entrypoints that are defined, distinct, and not the ping one', () => {
    const publicPoints = args.get('providers.knative.publicentrypoints')!.split(',');
    const privatePoints = args.get('providers.knative.privateentrypoints')!.split(',');
    // An empty publicEntrypoints exposes public rules on every entrypoint; an empty privateEntrypoints skips cluster-local rules.
    expect(publicPoints.length).toBeGreaterThan(0);
    expect(privatePoints.length).toBeGreaterThan(0);
    for (const point of [...publicPoints, ...privatePoints]) expect(points.has(point), point).toBe(true);
    expect(publicPoints.filter((point) => privatePoints.includes(point))).toEqual([]);
    expect([...publicPoints, ...privatePoints]).not.toContain('traefik');
    expect(new Set(points.values()).size).toBe(points.size);
  });

  it('serves /ping on the defined `traefik` entrypoint the probes call', () => {
    expect(args.get('ping')).toBe('true');
    expect(args.has('ping.entrypoint')).toBe(false);
    const port = (container.ports as Port[]).find((p) => p.name === 'traefik')!;
    expect(port.containerPort).toBe(points.get('traefik'));
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/ping', port: 'traefik' });
  });

  it('points publicService and privateService at the two Services it creates', () => {
    const services = ofKind('Service');
    for (const which of ['public', 'private'] as const) {
      const name = args.get(`providers.knative.${which}service.name`);
      const namespace = args.get(`providers.knative.${which}service.namespace`);
      expect(name).toBe(traefikServices[which]);
      expect(namespace).toBe(traefikNamespace);
      expect(services.some((s) => s.metadata.name === name && s.metadata.namespace === namespace)).toBe(true);
    }
    expect(traefikServiceHost('private')).toBe('traefik-internal.traefik.svc.cluster.local');
    expect(traefikServiceHost('public', 'example.test')).toBe('traefik.traefik.svc.example.test');
  });

  it('never calls out for updates or usage statistics', () => {
    expect(args.get('global.checknewversion')).toBe('false');
    expect(args.get('global.sendanonymoususage')).toBe('false');
  });

  it('takes the log level and throttle from its options', () => {
    const custom = flags(traefikArgs({ logLevel: 'DEBUG', throttle: '500ms' }));
    expect(custom.get('log.level')).toBe('DEBUG');
    expect(args.get('log.nocolor')).toBe('true');
    expect(custom.get('providers.knative.throttleduration')).toBe('500ms');
    expect(args.get('providers.knative.throttleduration')).toBe('2s');
  });

  it('is the ingress class Knative config-network must name', () => {
    expect(traefikIngressClass).toBe('traefik.ingress.networking.knative.dev');
  });
});

describe('Traefik Services', () => {
  const points = entrypoints(container.args);
  const selector = deployment.spec.selector.matchLabels;

  it('send port 80 of the public Service to the public entrypoint and of the private one to the private entrypoint', () => {
    const args = flags(container.args);
    for (const which of ['public', 'private'] as const) {
      const service = ofKind('Service').find((s) => s.metadata.name === traefikServices[which])! as Record<string, any>;
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.selector).toEqual(selector);
      const [port] = service.spec.ports;
      expect(port.port).toBe(80);
      const containerPort = (container.ports as Port[]).find((p) => p.name === port.targetPort)!;
      expect(containerPort, `container port named ${port.targetPort}`).toBeDefined();
      expect(args.get(`providers.knative.${which}entrypoints`)).toBe(containerPort.name);
      expect(containerPort.containerPort).toBe(points.get(containerPort.name));
    }
  });

  it('select the Deployment pods', () => {
    for (const [key, value] of Object.entries(selector)) expect(deployment.spec.template.metadata.labels[key]).toBe(value);
  });
});

describe('Traefik RBAC', () => {
  const role = only('ClusterRole');
  const binding = only('ClusterRoleBinding');
  const allows = (group: string, resource: string, verb: string) =>
    (role.rules as Rule[]).some((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb));

  // client.go at v3.6.15: WatchAll starts informers (list + watch) on KIngresses, Services and
  // Secrets in all namespaces; UpdateIngressStatus calls UpdateStatus on KIngresses.
  const used: [string, string, string][] = [
    ['networking.internal.knative.dev', 'ingresses', 'list'],
    ['networking.internal.knative.dev', 'ingresses', 'watch'],
    ['networking.internal.knative.dev', 'ingresses/status', 'update'],
    ['', 'services', 'list'],
    ['', 'services', 'watch'],
    ['', 'secrets', 'list'],
    ['', 'secrets', 'watch'],
  ];

  it.each(used)('allows %s %s %s', (group, resource, verb) => {
    expect(allows(group, resource, verb)).toBe(true);
  });

  it('allows nothing else (no writes outside the KIngress status, no wildcards)', () => {
    const granted = (role.rules as Rule[]).flatMap((rule) => rule.apiGroups.flatMap((group) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}/${verb}`))));
    expect(granted.sort()).toEqual(used.map(([group, resource, verb]) => `${group}/${resource}/${verb}`).sort());
  });

  it('binds the role to the ServiceAccount the pod runs as', () => {
    const account = only('ServiceAccount');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    expect(account.metadata.namespace).toBe(traefikNamespace);
  });
});

describe('Traefik image and pod', () => {
  it('runs the local image, never pulled, as the image\'s numeric non-root user', () => {
    const image = traefikImage('/bin/traefik');
    expect(image.name).toBe(traefikImageName());
    expect(image.name).toMatch(/^dev\.local\/traefik:v3\.6\.15$/);
    expect(container.image).toBe(image.name);
    expect(container.imagePullPolicy).toBe('Never');
    expect(image.config.Entrypoint).toEqual(['/traefik']);
    expect(image.files).toEqual([{ source: '/bin/traefik', path: '/traefik', mode: 0o755 }]);
    const [user, group] = image.config.User!.split(':').map(Number);
    expect(user).toBeGreaterThan(0);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: user, runAsGroup: group });
  });

  it('has a writable /tmp although its root filesystem is read-only', () => {
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: { name: string }) => v.name === mount.name)).toEqual({ name: mount.name, emptyDir: {} });
  });

  it('uses container ports an unprivileged user can bind and port names Kubernetes accepts', () => {
    for (const port of container.ports as Port[]) {
      expect(port.containerPort).toBeGreaterThanOrEqual(1024);
      expect(port.name).toMatch(/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/);
    }
  });

  it('lists the namespace first and everything else in it', () => {
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: traefikNamespace } });
    for (const object of objects.slice(1)) {
      if (object.kind.startsWith('Cluster')) expect(object.metadata.namespace).toBeUndefined();
      else expect(object.metadata.namespace).toBe(traefikNamespace);
    }
  });
});
