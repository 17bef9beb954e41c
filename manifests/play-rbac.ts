/** What the play workflow's own steps need: create and watch CodeRuns, patch its stage label, report task results. */
import type { ManifestOptions } from './options';
import { PLAY_SERVICE_ACCOUNT } from './play-template';

export function playRbac(options: ManifestOptions) {
  const metadata = { name: PLAY_SERVICE_ACCOUNT, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [
        { apiGroups: ['agents.platform'], resources: ['coderuns'], verbs: ['create', 'get', 'list', 'watch'] },
        { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['get', 'patch'] },
        // The executor's minimum since Argo Workflows v3.4 (docs/workflow-rbac.md).
        { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: PLAY_SERVICE_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: PLAY_SERVICE_ACCOUNT, namespace: options.namespace }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'workflow-semaphores', namespace: options.namespace },
      // How many agent CodeRuns, and how many workflows per platform sensor, run at once.
      data: { agents: '4', 'pr-validation': '5', 'coderun-template': '3', implementation: '2', 'orchestrator-resume-close': '2' },
    },
  ];
}
