/** What a deployment may change in the generated manifests; everything else comes from shared/declarations.ts. */
import { DEFAULT_LOGINS, type AgentRole, type FunctionName } from '../shared/declarations';

export interface SecretKey {
  readonly name: string;
  readonly key: string;
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
  /** Holds `Bearer <token>`: the Sensor sends it as Authorization, the function reads it as TRIGGER_TOKENS_FILE. */
  readonly triggerTokenSecret: SecretKey;
  readonly logins: Readonly<Record<AgentRole, readonly string[]>>;
  readonly playVariant: 'coderun' | 'podless';
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
    triggerTokenSecret: options.triggerTokenSecret ?? { name: 'handoff-trigger-token', key: 'authorization' },
    logins: options.logins ?? DEFAULT_LOGINS,
    playVariant: options.playVariant ?? 'coderun',
  };
}
