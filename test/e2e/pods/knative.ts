// Helpers for the tests of the functions as Knative Services: requests through the ingress (the
// Traefik Service Knative's Route points at, reached at its ClusterIP with the route's host, as a
// client in the cluster reaches `<function>.<namespace>.svc.cluster.local`), and the Knative objects'
// state as the tests read it.
import {
  deployFunctionServices as deploy,
  ingressAddress as ingressOf,
  isServiceReady,
  readKnativeService,
  type FunctionServices,
  type KnativeServiceState,
} from '../../../dev/stack/knative/function-services';
import type { KubeRest } from '../../../dev/stack/kube-rest';
import { kube, stack } from '../support';

export { postThroughIngress, sensorRequest, type IngressResponse } from '../../../dev/stack/knative/function-services';
export type KnativeServiceStatus = KnativeServiceState;

export const functions = ['pr-opened', 'labeled-ready-for-qa', 'approved', 'rex-push'] as const;

/**
 * The four functions as Knative Services with the image built here (dev/stack/knative/function-services.ts);
 * the stack has deployed them already, so this re-applies the same objects (no new Revision) and waits until Ready.
 */
export function deployFunctionServices(): Promise<FunctionServices> {
  const knative = stack().knative;
  if (!knative) throw new Error('the stack runs no Knative (HANDOFF_KNATIVE=0 or no node)');
  // With the stack's GITHUB_API_URL (its fake GitHub), so the Services are unchanged.
  return deploy({ rest: kube(), namespace: ns(), containerdAddress: knative.containerdAddress, githubApiUrl: knative.functions?.githubApiUrl, log: (line) => console.log(`[knative] ${line}`) });
}

export const ns = () => stack().namespace;

export const knativeService = (name: string, rest: KubeRest = kube()) => readKnativeService(rest, ns(), name);

export const isReady = isServiceReady;

/** The ingress address a cluster-local route resolves to (its DomainInternal Service's ClusterIP). */
export const ingressAddress = (rest: KubeRest = kube()) => ingressOf(rest, stack().knative!.ingress);

export interface PodObject {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { serviceAccountName?: string; containers: { name: string; image: string; securityContext?: Record<string, unknown> }[] };
  status?: { phase?: string; podIP?: string; containerStatuses?: { name: string; ready: boolean; containerID?: string }[] };
}

/** The function's pods (any Revision), as Knative labels them. */
export async function functionPods(fn: string, rest: KubeRest = kube()): Promise<PodObject[]> {
  const res = await rest.call<{ items: PodObject[] }>('GET', `/api/v1/namespaces/${ns()}/pods?labelSelector=${encodeURIComponent(`serving.knative.dev/service=${fn}`)}`);
  if (res.status !== 200) throw new Error(`list pods of ${fn}: ${res.status} ${res.text}`);
  return res.body.items;
}

/** Running and not being deleted. */
export const live = (pods: PodObject[]) => pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
