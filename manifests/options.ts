/** What a deployment may change in the generated manifests; everything else comes from shared/declarations.ts. */
import type { FunctionName } from '../shared/function-declaration';
import { DEFAULT_LOGINS, type AgentRole } from '../shared/play';
import { checkedSensorRetries, SHIPPED_SENSOR_RETRIES, type SensorRetries } from './sensor-retries';

export interface SecretKey {
  readonly name: string;
  readonly key: string;
}

export interface SecretStoreRef {
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  readonly name: string;
}

/** The images of the platform WorkflowTemplates' shell steps (manifests/step-scripts.ts). */
export interface StepImages {
  /** pr-validation's step: a POSIX sh with base64, tr, sed, cut and sha256sum (busybox applets suffice). */
  readonly shell: string;
  /** orchestrator-resume-close's step: the same shell tools plus `kubectl` on PATH. */
  readonly kubectl: string;
}

export interface ManifestOptions {
  readonly namespace: string;
  readonly image: string;
  /** Where a Sensor's HTTP trigger calls a function. Default: its Knative cluster-local URL. */
  readonly functionUrl: (name: FunctionName) => string;
  readonly eventSourceName: string;
  readonly eventBusName: string;
  /** GitHub's webhook secret, checked by the EventSource. */
  readonly webhookSecret: SecretKey;
  /**
   * The one `Bearer <token>` the Sensors send as Authorization (argo-events re-reads it on every call).
   * Its own key, apart from `acceptedTokensSecret`, so a rotation can switch it after the functions accept both.
   */
  readonly sensorTokenSecret: SecretKey;
  /**
   * The tokens the functions accept, one per line (current, plus next while rotating), mounted as
   * TRIGGER_TOKENS_FILE and re-read by the function when the kubelet updates it. See docs/operations.md.
   */
  readonly acceptedTokensSecret: SecretKey;
  /** The (Cluster)SecretStore the ExternalSecret for `webhookSecret` reads from. */
  readonly secretStore: SecretStoreRef;
  readonly logins: Readonly<Record<AgentRole, readonly string[]>>;
  /** Default: `alpine:3.20` and `bitnami/kubectl:1.34`, public images; a mirror or an offline build can replace them. */
  readonly stepImages: StepImages;
  /**
   * The GitHub REST root the functions that call GitHub use (their GITHUB_API_URL, shared/config.ts), e.g.
   * `https://ghe.example.com/api/v3` for GitHub Enterprise Server. Default: unset (the functions use https://api.github.com).
   */
  readonly githubApiUrl: string | undefined;
  /**
   * How the function Sensors retry a call the function did not settle before the dead-letter trigger runs
   * (manifests/sensor-retries.ts). Default: as shipped, 8 attempts from 2 s, factor 2. The e2e stack shortens it
   * (dev/stack/stack.ts StackOptions.sensorRetries) so a test that waits for the retries to run out waits less.
   */
  readonly sensorRetries: SensorRetries;
}

/** An http(s) URL, as the functions' configuration requires it (shared/config.ts: GITHUB_API_URL). */
function checkedApiUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`githubApiUrl must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`githubApiUrl must be an http(s) URL, got "${value}"`);
  return value;
}

export function withDefaults(options: Partial<ManifestOptions> = {}): ManifestOptions {
  const namespace = options.namespace ?? 'argo';
  return {
    namespace,
    image: options.image ?? 'ghcr.io/handoff-dev/handoff:0.1.0',
    functionUrl: options.functionUrl ?? ((name) => `http://${name}.${namespace}.svc.cluster.local`),
    eventSourceName: options.eventSourceName ?? 'github',
    eventBusName: options.eventBusName ?? 'default',
    webhookSecret: options.webhookSecret ?? { name: 'github-webhook-secret', key: 'secret' },
    sensorTokenSecret: options.sensorTokenSecret ?? { name: 'handoff-trigger-token', key: 'authorization' },
    acceptedTokensSecret: options.acceptedTokensSecret ?? { name: 'handoff-trigger-token', key: 'accepted-tokens' },
    secretStore: options.secretStore ?? { kind: 'ClusterSecretStore', name: 'vault-secret-store' },
    logins: options.logins ?? DEFAULT_LOGINS,
    stepImages: options.stepImages ?? { shell: 'alpine:3.20', kubectl: 'bitnami/kubectl:1.34' },
    githubApiUrl: checkedApiUrl(options.githubApiUrl),
    sensorRetries: checkedSensorRetries(options.sensorRetries ?? SHIPPED_SENSOR_RETRIES),
  };
}
