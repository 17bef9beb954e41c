// The ingress behind Knative Serving's KIngress on the node: Traefik with its Knative provider
// (traefik/traefik v3.6.15 pkg/provider/kubernetes/knative), as a pod. Knative's config-network
// selects it with `ingress-class: traefik.ingress.networking.knative.dev`, the only class the
// provider reads (kubernetes.go, traefikIngressClassName).
//
// What the provider does, and so what the objects below give it (v3.6.15 source):
// - client.go WatchAll: informers on networking.internal.knative.dev `ingresses` and on core
//   `services` and `secrets` (list, watch), in every namespace when `namespaces` is unset; it
//   blocks until all three caches have synced. UpdateIngressStatus: `update` on `ingresses/status`.
//   GetService/GetSecret read the informers' listers, not the API. Same verbs as upstream's
//   integration fixture integration/fixtures/knative/01-rbac.yml, minus its `get`, which no
//   code path uses.
// - kubernetes.go buildRouters: public rules go to `publicEntrypoints` (empty = every entrypoint,
//   the ping one included, so it is named), cluster-local rules to `privateEntrypoints` (unset =
//   skipped; Knative's routes are cluster-local while config-domain has no domain).
// - updateKnativeIngressStatus: no probing; it marks the KIngress ready with DomainInternal
//   `<service>.<namespace>.svc.<cluster domain>` of publicService/privateService, which Knative
//   puts in each route's ExternalName Service. Both must be set or routes never get a load balancer.
//   The status is written `throttleDuration` after the configuration is handed to Traefik.
// - newK8sClient: in a pod, the in-cluster client (KUBERNETES_SERVICE_HOST/PORT and the
//   ServiceAccount token the kubelet mounts).
import type { KubeObject } from '../kube-rest';
import { ensureImages } from '../node/node-images';
import type { OciImage } from '../node/oci-archive';
import { readComponents } from '../binaries/versions';

/** The KIngress class Knative's config-network must name for Traefik to pick a KIngress up. */
export const traefikIngressClass = 'traefik.ingress.networking.knative.dev';

export const traefikNamespace = 'traefik';
/** The Services Knative's routes resolve to (DomainInternal): public rules and cluster-local rules. */
export const traefikServices = { public: 'traefik', private: 'traefik-internal' } as const;
/** Entrypoint name → container port. `traefik` is Traefik's internal entrypoint, which serves /ping. */
export const traefikEntrypoints = { web: 8080, internal: 8081, traefik: 9000 } as const;
/** Which entrypoint each Service sends its port 80 to. */
const serviceEntrypoint = { public: 'web', private: 'internal' } as const;

/** The user of upstream's distroless-style images; the kubelet needs a numeric one for runAsNonRoot. */
export const traefikUser = 65532;

export function traefikImageName(): string {
  return `dev.local/traefik:${readComponents().traefik.version}`;
}

/**
 * The image: the static binary at /traefik as upstream's Dockerfile (`COPY ... /traefik`,
 * `ENTRYPOINT ["/traefik"]`, `VOLUME ["/tmp"]`), without its alpine base (ca-certificates and tzdata
 * serve ACME and outbound TLS, which this ingress does not use), and with a numeric non-root user.
 */
export function traefikImage(binary: string): OciImage {
  return {
    name: traefikImageName(),
    files: [{ source: binary, path: '/traefik', mode: 0o755 }],
    directories: { '/tmp': 0o1777 },
    config: { Entrypoint: ['/traefik'], User: `${traefikUser}:${traefikUser}` },
  };
}

/** Imports Traefik's image into the containerd on `address` (written beside the node's images if missing). */
export async function loadTraefikImage(address: string, binary: string, logFile: string, log: (line: string) => void = () => {}): Promise<string> {
  await ensureImages(address, [traefikImage(binary)], logFile, log);
  return traefikImageName();
}

/** `<service>.<namespace>.svc.<domain>`, the DomainInternal Traefik writes (knative.dev/pkg network.GetServiceHostname). */
export function traefikServiceHost(which: keyof typeof traefikServices, clusterDomain = 'cluster.local'): string {
  return `${traefikServices[which]}.${traefikNamespace}.svc.${clusterDomain}`;
}

export interface TraefikOptions {
  /** Traefik's --log.level (TRACE, DEBUG, INFO, WARN, ERROR); default INFO. */
  logLevel?: string;
  /**
   * --providers.knative.throttleDuration: the pause between handing a configuration to Traefik and
   * writing the KIngress status. Upstream's fixture uses 2s, the default
   * --providers.providersThrottleDuration (cmd/configuration.go) after which Traefik applies it, so
   * a KIngress is not marked ready before its routes exist.
   */
  throttle?: string;
}

/** The command line: entrypoints, ping, and the Knative provider. Names are the static configuration's paths (pkg/config/static). */
export function traefikArgs(options: TraefikOptions = {}): string[] {
  return [
    `--log.level=${options.logLevel ?? 'INFO'}`,
    // The console writer colours its output unless told not to (cmd/traefik/logger.go); pod logs are files.
    '--log.noColor=true',
    // No update check or usage report: the node has no way out (Global defaults, cmd/configuration.go).
    '--global.checkNewVersion=false',
    '--global.sendAnonymousUsage=false',
    ...Object.entries(traefikEntrypoints).map(([name, port]) => `--entryPoints.${name}.address=:${port}`),
    // ping.entryPoint defaults to `traefik` (pkg/ping/ping.go SetDefaults).
    '--ping=true',
    '--experimental.knative=true',
    '--providers.knative=true',
    `--providers.knative.publicEntrypoints=${serviceEntrypoint.public}`,
    `--providers.knative.publicService.name=${traefikServices.public}`,
    `--providers.knative.publicService.namespace=${traefikNamespace}`,
    `--providers.knative.privateEntrypoints=${serviceEntrypoint.private}`,
    `--providers.knative.privateService.name=${traefikServices.private}`,
    `--providers.knative.privateService.namespace=${traefikNamespace}`,
    `--providers.knative.throttleDuration=${options.throttle ?? '2s'}`,
  ];
}

const labels = { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/part-of': 'handoff-knative' };
const selector = { 'app.kubernetes.io/name': 'traefik' };

/** Namespace, ServiceAccount, RBAC, Deployment and the public and private Services, in apply order. */
export function traefikObjects(options: TraefikOptions = {}): KubeObject[] {
  const namespace = traefikNamespace;
  const service = (which: keyof typeof traefikServices): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: traefikServices[which], namespace, labels },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 80, targetPort: serviceEntrypoint[which] }] },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'traefik', namespace, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'traefik-knative', labels },
      rules: [
        { apiGroups: [''], resources: ['services', 'secrets'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.internal.knative.dev'], resources: ['ingresses'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.internal.knative.dev'], resources: ['ingresses/status'], verbs: ['update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'traefik-knative', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'traefik-knative' },
      subjects: [{ kind: 'ServiceAccount', name: 'traefik', namespace }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'traefik', namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'traefik',
            securityContext: { runAsNonRoot: true, runAsUser: traefikUser, runAsGroup: traefikUser },
            containers: [
              {
                name: 'traefik',
                image: traefikImageName(),
                imagePullPolicy: 'Never',
                args: traefikArgs(options),
                ports: Object.entries(traefikEntrypoints).map(([name, containerPort]) => ({ name, containerPort, protocol: 'TCP' })),
                readinessProbe: { httpGet: { path: '/ping', port: 'traefik' }, periodSeconds: 2, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: '/ping', port: 'traefik' }, periodSeconds: 10, failureThreshold: 3 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
    service('public'),
    service('private'),
  ];
}
