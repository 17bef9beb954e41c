/** The platform Sensors pick the right real events, pass the nine parameters, and their targets exist and validate. */
import { WorkflowTemplate } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/WorkflowTemplate';
import { describe, expect, it } from 'vitest';
import { buildManifests } from '../../manifests/index';
import { PLATFORM_PARAMETERS } from '../../manifests/platform-sensors';
import { example, pullRequestEvent, pushEvent, sensorEnvelope } from '../fixtures/github-events';
import { filtersPass, lookup } from '../support/argo-filters';

const objects = buildManifests().flatMap((file) => file.objects as any[]);
const sensor = (name: string) => objects.find((o) => o.kind === 'Sensor' && o.metadata.name === name);
/** Which of a sensor's dependencies accept the event. */
const accepting = (name: string, event: string, payload: Record<string, any>) =>
  sensor(name)
    .spec.dependencies.filter((dependency: any) => filtersPass(dependency.filters, sensorEnvelope(event, payload)))
    .map((dependency: any) => dependency.name);

const comment = (bot: boolean) => {
  const payload = example('issue_comment', (p) => p.action === 'created');
  payload.sender.type = bot ? 'Bot' : 'User';
  return payload;
};
const run = (name: string, conclusion: string, action = 'completed') => {
  const payload = example('workflow_run', (p) => p.action === 'completed');
  payload.action = action;
  payload.workflow_run.name = name;
  payload.workflow_run.conclusion = conclusion;
  return payload;
};

describe('platform Sensors', () => {
  it.each([
    ['platform-pr-validation', 'pull_request', pullRequestEvent('opened'), ['pull-request']],
    ['platform-pr-validation', 'pull_request', pullRequestEvent('synchronize'), ['pull-request']],
    ['platform-pr-validation', 'pull_request', pullRequestEvent('closed'), []],
    ['platform-pr-validation', 'pull_request', { ...pullRequestEvent('opened'), pull_request: { ...pullRequestEvent('opened').pull_request, draft: true } }, []],
    ['platform-comment-to-rex', 'issue_comment', comment(false), ['issue-comment']],
    ['platform-comment-to-rex', 'issue_comment', comment(true), []],
    ['platform-ci-failure-triage', 'workflow_run', run('CI', 'failure'), ['workflow-run']],
    ['platform-ci-failure-triage', 'workflow_run', run('CI', 'timed_out'), ['workflow-run']],
    ['platform-ci-failure-triage', 'workflow_run', run('CI', 'success'), []],
    ['platform-ci-failure-triage', 'workflow_run', run('CI', 'failure', 'requested'), []],
    ['platform-issue-implementation', 'issues', example('issues', (p) => p.action === 'opened'), ['issue-opened']],
    ['platform-issue-implementation', 'issues', example('issues', (p) => p.action === 'edited'), []],
    ['platform-security', 'workflow_run', run('Nightly Security Scan', 'success'), ['security-scan']],
    ['platform-security', 'workflow_run', run('CI', 'success'), []],
    ['platform-merge-to-orchestrator', 'push', pushEvent({ ref: 'refs/heads/master' }), ['default-branch-push']],
    ['platform-merge-to-orchestrator', 'push', pushEvent({ ref: 'refs/heads/task-1-x' }), []],
    ['platform-merge-to-orchestrator', 'pull_request', { ...pullRequestEvent('closed'), pull_request: { ...pullRequestEvent('closed').pull_request, merged: true } }, ['merged-pr']],
    ['platform-merge-to-orchestrator', 'pull_request', { ...pullRequestEvent('closed'), pull_request: { ...pullRequestEvent('closed').pull_request, merged: false } }, []],
  ] as const)('%s on %s (case %#) accepts %j', (name, event, payload, expected) => {
    expect(accepting(name, event, payload as Record<string, any>)).toEqual(expected);
  });

  it('every trigger submits its template with the nine parameters, each with a default', () => {
    const sensors = objects.filter((o) => o.kind === 'Sensor' && o.metadata.name.startsWith('platform-'));
    expect(sensors).toHaveLength(6);
    for (const s of sensors) {
      expect(s.spec.template.serviceAccountName).toBe('argo-events-workflow-submitter');
      for (const trigger of s.spec.triggers) {
        const { k8s } = trigger.template;
        const target = k8s.source.resource.spec.workflowTemplateRef.name;
        expect(objects.some((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === target)).toBe(true);
        expect(k8s.source.resource.spec.arguments.parameters.map((p: any) => p.name)).toEqual([...PLATFORM_PARAMETERS]);
        expect(k8s.parameters.every((p: any) => p.src.value !== undefined)).toBe(true);
        expect(trigger.rateLimit).toBeDefined();
      }
    }
  });

  it('the submitter can only create, get and list workflows', () => {
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'argo-events-workflow-submitter');
    expect(role.rules).toEqual([{ apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['create', 'get', 'list'] }]);
  });

  it.each(['pr-validation', 'coderun-template', 'implementation', 'orchestrator-resume-close'])('WorkflowTemplate %s declares the nine parameters, a semaphore, and validates', (name) => {
    const template = objects.find((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === name);
    expect(template.spec.arguments.parameters.map((p: any) => p.name)).toEqual([...PLATFORM_PARAMETERS]);
    expect(template.spec.synchronization.semaphores[0].configMapKeyRef).toEqual({ name: 'workflow-semaphores', key: name });
    const semaphores = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'workflow-semaphores');
    expect(semaphores.data[name]).toBeDefined();
    expect(() => new WorkflowTemplate(template).validate()).not.toThrow();
  });
});
