// Knative Serving on the node: its images imported into containerd, upstream's install applied
// (serving-manifests.ts), its four system Deployments available, and its webhook serving, so that a
// Knative Service applied afterwards goes through the real defaulting and validation webhooks.
// The webhook configurations go last: their failurePolicy is Fail, so an earlier one would refuse
// the ConfigMaps and Knative objects of the install until the webhook runs (research: create the
// ConfigMaps before config.webhook exists). The webhook then fills Secret webhook-certs and patches
// its caBundle into each configuration (knative.dev/pkg webhook/certificates, webhook/configmaps,
// webhook/resourcesemantics reconcilers).
import { join } from 'node:path';
import type { KnativeBinary } from '../binaries/binaries';
import { applyCrdObjects } from '../control-plane/crds';
import type { KubeObject, KubeRest } from '../kube-rest';
import { ensureImages } from '../node/node-images';
import { waitFor } from '../processes/processes';
import { servingImageDefinitions, servingImageNames, type ServingCommand } from './serving-images';
import { SERVING_NAMESPACE, servingInstall } from './serving-manifests';

export interface ServingOptions {
  rest: KubeRest;
  containerdAddress: string;
  binaries: Record<KnativeBinary, string>;
  logDir: string;
  startTimeoutMs: number;
  log: (line: string) => void;
  /** Objects applied with the install, before the wait (e.g. the ingress, whose Services config-network names). */
  alongside?: KubeObject[];
}

export interface Serving {
  namespace: string;
  images: Record<ServingCommand, string>;
}

export const servingDeployments = ['controller', 'webhook', 'autoscaler', 'activator'];

export async function applyAll(rest: KubeRest, objects: KubeObject[]): Promise<void> {
  for (const object of objects) {
    const res = await rest.apply(object);
    if (res.status >= 300) throw new Error(`apply ${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}: ${res.status} ${res.text}`);
  }
}

interface DeploymentStatus {
  status?: { availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
  metadata: { generation?: number };
}

/** Every named Deployment has an available, updated replica for its latest generation. */
export async function waitForDeployments(rest: KubeRest, namespace: string, names: string[], timeoutMs: number): Promise<void> {
  for (const name of names) {
    await waitFor(
      `Deployment ${namespace}/${name} available`,
      async () => {
        const res = await rest.call<DeploymentStatus>('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
        const s = res.body.status;
        return res.status === 200 && (s?.availableReplicas ?? 0) >= 1 && (s?.updatedReplicas ?? 0) >= 1 && s?.observedGeneration === res.body.metadata.generation;
      },
      timeoutMs,
    );
  }
}

interface WebhookConfiguration {
  webhooks?: { clientConfig?: { caBundle?: string } }[];
}

export async function startServing(options: ServingOptions): Promise<Serving> {
  const { rest, startTimeoutMs, log } = options;
  await ensureImages(options.containerdAddress, servingImageDefinitions(options.binaries), join(options.logDir, 'node-images.log'), log);
  const install = servingInstall();
  await applyCrdObjects(rest, install.crds, startTimeoutMs);
  await applyAll(rest, install.objects);
  await applyAll(rest, options.alongside ?? []);
  await waitForDeployments(rest, SERVING_NAMESPACE, servingDeployments, startTimeoutMs);
  await applyAll(rest, install.webhooks);
  for (const webhook of install.webhooks) {
    const plural = webhook.kind === 'MutatingWebhookConfiguration' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
    await waitFor(
      `Knative's webhook has patched its CA into ${webhook.metadata.name}`,
      async () => {
        const res = await rest.call<WebhookConfiguration>('GET', `/apis/admissionregistration.k8s.io/v1/${plural}/${webhook.metadata.name}`);
        return res.status === 200 && (res.body.webhooks ?? []).every((w) => !!w.clientConfig?.caBundle);
      },
      startTimeoutMs,
    );
  }
  log(`Knative Serving ready (${servingDeployments.join(', ')} in ${SERVING_NAMESPACE})`);
  return { namespace: SERVING_NAMESPACE, images: servingImageNames() };
}
