/** What the play workflow's own steps need: create and watch CodeRuns, patch its stage label, report task results. */
import type { ManifestOptions } from './options';
import { PLAY_SERVICE_ACCOUNT } from './play-template';
import { serviceAccountWithRole } from './service-account';

export function playRbac(options: ManifestOptions) {
  return [
    ...serviceAccountWithRole(PLAY_SERVICE_ACCOUNT, options.namespace, [
      { apiGroups: ['agents.platform'], resources: ['coderuns'], verbs: ['create', 'get', 'list', 'watch'] },
      { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['get', 'patch'] },
      // The executor's minimum since Argo Workflows v3.4 (docs/workflow-rbac.md).
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
    ]),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'workflow-semaphores', namespace: options.namespace },
      // How many agent CodeRuns, and how many workflows per platform sensor, run at once.
      data: { agents: '4', 'pr-validation': '5', 'coderun-template': '3', implementation: '2', 'orchestrator-resume-close': '2' },
    },
  ];
}
