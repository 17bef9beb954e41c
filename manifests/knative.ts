/** Per function: a ServiceAccount with least-privilege RBAC and a scale-to-zero, cluster-local Knative Service. */
import { callsGitHub, stepOf, type FunctionDeclaration } from '../shared/function-declaration';
import type { ManifestOptions } from './options';
import { serviceAccountWithRole } from './service-account';

/**
 * The image's user (the Dockerfile's `USER 65532:65532`, distroless's nonroot). Declared numerically
 * in the Service too, so the kubelet can verify runAsNonRoot without reading the image
 * (test/manifests/run-as-non-root.test.ts checks both against the kubelet's rule).
 */
export const IMAGE_USER = { uid: 65532, gid: 65532 } as const;

/** The most requests Knative sends one pod at once (`containerConcurrency`); bench:throughput loads one instance with as many. */
export const CONTAINER_CONCURRENCY = 50;

/**
 * Every field Knative Serving warns about when unset (serving pkg/apis/serving/k8s_validation.go,
 * warnDefaultContainerSecurityContext): its validation passes with no warning.
 */
export function containerSecurityContext() {
  return {
    runAsNonRoot: true,
    runAsUser: IMAGE_USER.uid,
    runAsGroup: IMAGE_USER.gid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The file name, in the function's trigger-token volume, of the accepted token list. */
const ACCEPTED_TOKENS_FILE = 'accepted-tokens';

/** Functions that call GitHub get the App's credentials: a `remove-label` step (rex-push) or a live label read (pr-opened). */
const withGitHubCredentials = (declaration: FunctionDeclaration) => {
  const github = callsGitHub(declaration);
  return github.required || github.optional;
};

const partOf = { 'app.kubernetes.io/part-of': 'handoff' };

/**
 * Exactly the verbs shared/kubernetes/client.ts uses, and shared/dead-letters/secret-store.ts's record (create,
 * unconditional update; no read), which manifests/dead-letter-write-policy.ts narrows to the function's own dead letters.
 */
export function functionRules(declaration: FunctionDeclaration) {
  return [
    { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['get', 'list', 'update'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update'] },
    ...(stepOf(declaration, 'cancel-coderuns') ? [{ apiGroups: ['agents.platform'], resources: ['coderuns'], verbs: ['list', 'delete'] }] : []),
  ];
}

export function functionRbac(declaration: FunctionDeclaration, options: ManifestOptions) {
  return serviceAccountWithRole(`handoff-${declaration.name}`, options.namespace, functionRules(declaration));
}

export function knativeService(declaration: FunctionDeclaration, options: ManifestOptions) {
  const login = (role: 'rex' | 'cleo' | 'tess') => ({ name: `${role.toUpperCase()}_LOGINS`, value: options.logins[role].join(',') });
  const probe = (path: string) => ({ httpGet: { path, port: 8080 }, periodSeconds: 5, timeoutSeconds: 2 });
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: declaration.name,
      namespace: options.namespace,
      labels: { ...partOf, 'networking.knative.dev/visibility': 'cluster-local' },
    },
    spec: {
      template: {
        metadata: {
          labels: { ...partOf, 'handoff.dev/function': declaration.name },
          annotations: {
            'autoscaling.knative.dev/min-scale': '0',
            'autoscaling.knative.dev/max-scale': '5',
            'autoscaling.knative.dev/target': '20',
          },
        },
        spec: {
          serviceAccountName: `handoff-${declaration.name}`,
          containerConcurrency: CONTAINER_CONCURRENCY,
          timeoutSeconds: 90,
          containers: [
            {
              name: 'function',
              image: options.image,
              args: [`dist/functions/${declaration.name}/index.js`],
              ports: [{ containerPort: 8080 }],
              env: [
                // A plain value: Knative refuses fieldRef unless its kubernetes.podspec-fieldref flag is on.
                { name: 'NAMESPACE', value: options.namespace },
                { name: 'TRIGGER_TOKENS_FILE', value: `/var/run/handoff/trigger/${ACCEPTED_TOKENS_FILE}` },
                login('rex'),
                login('cleo'),
                login('tess'),
                ...(withGitHubCredentials(declaration)
                  ? [
                      { name: 'GITHUB_APP_ID', valueFrom: { secretKeyRef: { name: 'handoff-github', key: 'app-id' } } },
                      { name: 'GITHUB_APP_PRIVATE_KEY_FILE', value: '/var/run/handoff/github/private-key' },
                      ...(options.githubApiUrl ? [{ name: 'GITHUB_API_URL', value: options.githubApiUrl }] : []),
                    ]
                  : []),
              ],
              readinessProbe: probe('/readyz'),
              livenessProbe: probe('/healthz'),
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: containerSecurityContext(),
              volumeMounts: [
                { name: 'trigger-token', mountPath: '/var/run/handoff/trigger', readOnly: true },
                ...(withGitHubCredentials(declaration) ? [{ name: 'github', mountPath: '/var/run/handoff/github', readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            // No subPath: the kubelet updates this volume in place, and the function re-reads the file when it changes.
            { name: 'trigger-token', secret: { secretName: options.acceptedTokensSecret.name, items: [{ key: options.acceptedTokensSecret.key, path: ACCEPTED_TOKENS_FILE }] } },
            ...(withGitHubCredentials(declaration) ? [{ name: 'github', secret: { secretName: 'handoff-github', items: [{ key: 'private-key', path: 'private-key' }] } }] : []),
          ],
        },
      },
    },
  };
}
