/** The CodeRun client rex-push uses: list a play's agents' CodeRuns, delete them with uid preconditions. */
import type { CustomObjectsApi } from './client-node';
import { asUnavailable, statusOf } from './api-errors';
import type { CodeRunDeletion, CodeRuns } from './types';
import { CODERUNS } from './workflow';

export interface CodeRunClientContext {
  readonly namespace: string;
  readonly customObjects: () => CustomObjectsApi;
  /** Times and reports one API call (client.ts). */
  readonly call: <T>(verb: string, resource: string, run: () => Promise<T>) => Promise<T>;
}

export function createCodeRunClient({ namespace, customObjects, call }: CodeRunClientContext): CodeRuns {
  return {
    async listForWorkflow({ taskId, workflowName, githubApps }) {
      const labelSelector = `task-id=${taskId},github-app in (${githubApps.join(',')})`;
      const list = (await call('list', 'coderuns', () => customObjects().listNamespacedCustomObject({ ...CODERUNS, namespace, labelSelector })).catch((error) => {
        throw asUnavailable(error, `list coderuns ${labelSelector}`);
      })) as { items?: { metadata: { name: string; uid?: string; labels?: Record<string, string> }; status?: { phase?: string } }[] };
      return (list.items ?? [])
        .filter((run) => {
          const owner = run.metadata.labels?.['workflow-name'];
          return owner === undefined || owner === workflowName;
        })
        .map((run) => ({ name: run.metadata.name, uid: run.metadata.uid ?? '', githubApp: run.metadata.labels?.['github-app'] ?? '', phase: run.status?.phase }));
    },

    async delete(runs, dryRun) {
      return Promise.all(
        runs.map(async ({ name, uid, githubApp }): Promise<CodeRunDeletion> => {
          if (dryRun) return { name, githubApp, result: 'planned' };
          try {
            // The uid precondition: a newer CodeRun that took the name is not the one recorded (409).
            const body = uid ? { preconditions: { uid } } : undefined;
            await call('delete', 'coderuns', () => customObjects().deleteNamespacedCustomObject({ ...CODERUNS, namespace, name, body }));
            return { name, githubApp, result: 'deleted' };
          } catch (error) {
            const status = statusOf(error);
            if (status !== 404 && status !== 409) throw asUnavailable(error, `delete coderun ${name}`);
            return { name, githubApp, result: 'already-gone' };
          }
        }),
      );
    },
  };
}
