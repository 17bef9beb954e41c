// What the workflow-controller asked the kubelet to run: a workflow's Pods and the template that
// argoexec gets (the ARGO_TEMPLATE env of the init container, or its offloaded ConfigMap).
import type { KubeRest } from '../../dev/stack/kube-rest';
import { eventually } from './support';

export interface PodContainer {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
}

export interface Pod {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { initContainers?: PodContainer[]; containers: PodContainer[] };
}

/** Waits for the controller to create the workflow's first Pod. */
export function firstPod(rest: KubeRest, namespace: string, workflow: string): Promise<Pod> {
  return eventually(`a Pod of ${workflow}`, async () => {
    const res = await rest.call<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`workflows.argoproj.io/workflow=${workflow}`)}`);
    if (res.status !== 200) throw new Error(`list pods: ${res.status} ${res.text}`);
    return res.body.items[0];
  });
}

export const allContainers = (pod: Pod) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

/** The template argoexec runs, as the controller resolved it (workflow/controller/workflowpod.go). */
export async function argoTemplate(rest: KubeRest, namespace: string, pod: Pod): Promise<Record<string, any>> {
  const value = allContainers(pod).flatMap((c) => c.env ?? []).find((e) => e.name === 'ARGO_TEMPLATE')?.value;
  if (value === undefined) throw new Error(`${pod.metadata.name} has no ARGO_TEMPLATE env`);
  if (value !== 'offloaded') return JSON.parse(value) as Record<string, any>;
  const cm = await rest.call<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/configmaps/${pod.metadata.name}`);
  if (cm.status !== 200) throw new Error(`offloaded template ConfigMap ${pod.metadata.name}: ${cm.status}`);
  return JSON.parse(cm.body.data.ARGO_TEMPLATE!) as Record<string, any>;
}
