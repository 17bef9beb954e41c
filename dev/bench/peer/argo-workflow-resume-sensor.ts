/**
 * The end-to-end benchmark's peer: what users reach for without Handoff, an Argo Events Sensor
 * whose native `argoWorkflow` trigger resumes a workflow with a fixed name (the Sensor execs
 * `argo -n <ns> resume <name>`). Same EventSource, bus and retry settings as our Sensors; it
 * fires on reviews by `bench-peer[bot]`, which our approved Sensor's filters drop.
 */
export const PEER_REVIEWER = 'bench-peer[bot]';
export const PEER_WORKFLOW = 'bench-peer';

export function argoWorkflowResumeSensor(namespace: string) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: 'bench-peer-resume', namespace },
    spec: {
      eventBusName: 'default',
      dependencies: [
        {
          name: 'review',
          eventSourceName: 'github',
          eventName: 'github',
          filters: {
            data: [
              { path: 'body.X-GitHub-Event', type: 'string', value: ['^pull_request_review$'] },
              { path: 'body.review.user.login', type: 'string', value: ['^bench-peer\\[bot\\]$'] },
            ],
          },
        },
      ],
      triggers: [
        {
          template: {
            name: 'resume-peer',
            argoWorkflow: {
              operation: 'resume',
              source: { resource: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: PEER_WORKFLOW, namespace } } },
            },
          },
          atLeastOnce: true,
          retryStrategy: { steps: 8, duration: '2s', factor: 2, jitter: 0.2 },
        },
      ],
    },
  };
}
