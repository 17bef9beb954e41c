// Who the node's components are to the apiserver: the users Kubernetes' bootstrap RBAC policy
// already grants (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: system:node:<name> in
// system:nodes for the Node authorizer, system:kube-proxy via system:node-proxier,
// system:kube-scheduler and system:kube-controller-manager), each with a bearer token of its own.
// CoreDNS has no bootstrap role; coreDnsRbac() is the ClusterRole upstream's deployment ships.
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../kube-rest';

export type NodeComponent = 'kubelet' | 'kube-proxy' | 'kube-scheduler' | 'kube-controller-manager' | 'coredns';

export interface NodeIdentity {
  user: string;
  groups: string[];
  token: string;
}

export function nodeIdentities(nodeName: string): Record<NodeComponent, NodeIdentity> {
  const make = (user: string, groups: string[] = []): NodeIdentity => ({ user, groups, token: randomBytes(24).toString('hex') });
  return {
    kubelet: make(`system:node:${nodeName}`, ['system:nodes']),
    'kube-proxy': make('system:kube-proxy'),
    'kube-scheduler': make('system:kube-scheduler'),
    'kube-controller-manager': make('system:kube-controller-manager'),
    coredns: make('system:coredns'),
  };
}

/** Lines of the apiserver's --token-auth-file: token,user,uid,"group1,group2". */
export function tokenFileLines(identities: Record<NodeComponent, NodeIdentity>): string[] {
  return Object.values(identities).map((id) => `${id.token},${id.user},${id.user},"${id.groups.join(',')}"`);
}

/** CoreDNS's kubernetes plugin reads Services, EndpointSlices, Pods and Namespaces (coredns/deployment kubernetes/coredns.yaml.sed). */
export function coreDnsRbac(user: string): KubeObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  ];
}
