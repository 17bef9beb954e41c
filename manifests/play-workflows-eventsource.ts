/**
 * A `resource` EventSource on play workflows: every update of one reaches the Sensors, whose
 * re-drive trigger calls POST /parked when the play enters a stage a parked event waits for.
 * ADD too: when the EventSource starts, its informer lists every play workflow and reports each as an
 * ADD (argo-events pkg/eventsources/sources/resource/start.go: AddFunc on the initial list, no `afterStart`
 * filter), so a play that reached its gate while the EventSource was down is re-driven when it comes back.
 */
import { WORKFLOW_LABELS } from '../shared/contract';
import type { ManifestOptions } from './options';
import { serviceAccountWithRole } from './service-account';

export const PLAY_WORKFLOWS_EVENT_SOURCE = 'play-workflows';
export const PLAY_WORKFLOWS_EVENT = 'workflows';

export function playWorkflowsEventSource(options: ManifestOptions) {
  const account = `${PLAY_WORKFLOWS_EVENT_SOURCE}-eventsource`;
  return [
    // The informer lists and watches play workflows (argo-events pkg/eventsources/sources/resource).
    ...serviceAccountWithRole(account, options.namespace, [{ apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['get', 'list', 'watch'] }]),
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventSource',
      metadata: { name: PLAY_WORKFLOWS_EVENT_SOURCE, namespace: options.namespace, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
      spec: {
        eventBusName: options.eventBusName,
        template: { serviceAccountName: account },
        resource: {
          [PLAY_WORKFLOWS_EVENT]: {
            namespace: options.namespace,
            group: 'argoproj.io',
            version: 'v1alpha1',
            resource: 'workflows',
            eventTypes: ['ADD', 'UPDATE'],
            filter: { labels: [{ key: WORKFLOW_LABELS.type, operation: '==', value: WORKFLOW_LABELS.typeValue }] },
          },
        },
      },
    },
  ];
}
