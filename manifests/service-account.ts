/** A ServiceAccount bound to a namespaced Role with exactly `rules`: the least-privilege unit every component gets. */

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

export function serviceAccountWithRole(name: string, namespace: string, rules: readonly PolicyRule[]) {
  const metadata = { name, namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  ];
}

/** The ServiceAccount a function runs as (knative/<function>.yaml); the write policy matches its username. */
export const functionServiceAccountName = (functionName: string) => `handoff-${functionName}`;
