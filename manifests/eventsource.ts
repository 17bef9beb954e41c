/** The GitHub EventSource, and the ExternalSecret that provides its webhook secret. */
import type { ManifestOptions } from './options';

export const GITHUB_EVENTS = [
  'pull_request',
  'pull_request_review',
  'push',
  'issues',
  'issue_comment',
  'pull_request_review_comment',
  'workflow_run',
  'check_run',
  'security_advisory',
] as const;

export const WEBHOOK_PORT = '12000';
export const WEBHOOK_ENDPOINT = '/events';

export function githubEventSource(options: ManifestOptions, owner = 'your-org') {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'EventSource',
    metadata: { name: options.eventSourceName, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      eventBusName: options.eventBusName,
      service: { ports: [{ port: Number(WEBHOOK_PORT), targetPort: Number(WEBHOOK_PORT) }] },
      github: {
        [options.eventSourceName]: {
          // No apiToken: the webhook is configured on GitHub (see docs/operations.md), not created by Argo Events.
          organizations: [owner],
          events: [...GITHUB_EVENTS],
          webhook: { endpoint: WEBHOOK_ENDPOINT, port: WEBHOOK_PORT, method: 'POST' },
          webhookSecret: { name: options.webhookSecret.name, key: options.webhookSecret.key },
        },
      },
    },
  };
}

/** external-secrets.io/v1: served since External Secrets Operator v0.16.2; v0.17.0 stopped serving v1beta1. Same fields as v1beta1. */
export function webhookExternalSecret(options: ManifestOptions) {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: options.webhookSecret.name, namespace: options.namespace },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: options.secretStore.kind, name: options.secretStore.name },
      target: { name: options.webhookSecret.name, creationPolicy: 'Owner' },
      data: [{ secretKey: options.webhookSecret.key, remoteRef: { key: 'github-webhooks', property: 'webhook_secret' } }],
    },
  };
}
