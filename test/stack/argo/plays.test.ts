import { describe, expect, it } from 'vitest';
import { listPlays, startPlay } from '../../../dev/stack/argo/plays';
import type { KubeResponse, KubeRest } from '../../../dev/stack/kube-rest';
import { buildManifests, objectsOf } from '../../../manifests';

/** A KubeRest that serves the generated play template and keeps the workflows POSTed to it. */
function fakeRest(options: { template?: object | null; workflows?: object[] } = {}) {
  const template = options.template === undefined ? objectsOf(buildManifests({ namespace: 'argo' })).find((o) => o.kind === 'WorkflowTemplate' && o.metadata.name === 'play-orchestration') : options.template;
  const created: any[] = [];
  const calls: string[] = [];
  const respond = <T>(status: number, body: unknown): KubeResponse<T> => ({ status, body: body as T, text: JSON.stringify(body) });
  const rest: KubeRest = {
    async call(method, path, body) {
      calls.push(`${method} ${path}`);
      if (method === 'GET' && path === '/apis/argoproj.io/v1alpha1/namespaces/argo/workflowtemplates/play-orchestration') return template ? respond(200, template) : respond(404, { reason: 'NotFound' });
      if (method === 'POST' && path === '/apis/argoproj.io/v1alpha1/namespaces/argo/workflows') {
        created.push(body);
        return respond(201, { metadata: { name: `${(body as any).metadata.generateName}abcde` } });
      }
      if (method === 'GET' && path.startsWith('/apis/argoproj.io/v1alpha1/namespaces/argo/workflows?labelSelector=')) return respond(200, { items: options.workflows ?? [] });
      return respond(500, { message: `unexpected ${method} ${path}` });
    },
    apply: () => Promise.reject(new Error('not used')),
    pathOf: () => '',
  };
  return { rest, created, calls };
}

describe('startPlay', () => {
  it('submits by reference to the installed template with every declared parameter filled', async () => {
    const { rest, created } = fakeRest();
    const name = await startPlay({ rest, namespace: 'argo', task: 42, repository: 'Codertocat/Hello-World' });
    expect(name).toBe('play-42-abcde');
    expect(created).toHaveLength(1);
    const workflow = created[0];
    expect(workflow.metadata).toEqual({ generateName: 'play-42-' });
    expect(workflow.spec.workflowTemplateRef).toEqual({ name: 'play-orchestration' });
    const parameters = Object.fromEntries(workflow.spec.arguments.parameters.map((p: { name: string; value: string }) => [p.name, p.value]));
    expect(parameters).toMatchObject({ 'task-id': '42', repository: 'codertocat-hello-world', 'repository-url': 'https://github.com/Codertocat/Hello-World', service: 'local', model: 'claude-sonnet' });
    // Every parameter the template declares, and nothing else.
    const declared = (objectsOf(buildManifests({ namespace: 'argo' })).find((o) => o.kind === 'WorkflowTemplate') as any).spec.arguments.parameters.map((p: { name: string }) => p.name);
    expect(Object.keys(parameters).sort()).toEqual([...declared].sort());
  });

  it('takes other parameters, but never lets them replace the task or repository', async () => {
    const { rest, created } = fakeRest();
    await startPlay({ rest, namespace: 'argo', task: '7', parameters: { service: 'billing', 'task-id': '8', repository: 'other-repo' } });
    const parameters = Object.fromEntries(created[0].spec.arguments.parameters.map((p: { name: string; value: string }) => [p.name, p.value]));
    expect(parameters).toMatchObject({ 'task-id': '7', repository: 'codertocat-hello-world', service: 'billing' });
  });

  it.each([['0'], ['-1'], ['4x'], ['42; rm -rf /'], [''], ['12345678901']])('refuses task %j before any call', async (task) => {
    const { rest, calls } = fakeRest();
    await expect(startPlay({ rest, namespace: 'argo', task })).rejects.toThrow(/--task must be a positive number/);
    expect(calls).toEqual([]);
  });

  it.each([['Hello-World'], ['a/b/c'], ['/x'], ['x/']])('refuses repository %j before any call', async (repository) => {
    const { rest, calls } = fakeRest();
    await expect(startPlay({ rest, namespace: 'argo', task: 1, repository })).rejects.toThrow(/--repo must be owner\/name/);
    expect(calls).toEqual([]);
  });

  it('says the stack is not running when the template is missing, and creates nothing', async () => {
    const { rest, created } = fakeRest({ template: null });
    await expect(startPlay({ rest, namespace: 'argo', task: 1 })).rejects.toThrow(/no WorkflowTemplate play-orchestration in namespace argo/);
    expect(created).toEqual([]);
  });

  it('refuses a template parameter with no default and no value', async () => {
    const { rest, created } = fakeRest({ template: { spec: { arguments: { parameters: [{ name: 'task-id' }, { name: 'budget' }] } } } });
    await expect(startPlay({ rest, namespace: 'argo', task: 1 })).rejects.toThrow(/parameter budget has no default/);
    expect(created).toEqual([]);
  });
});

describe('listPlays', () => {
  const workflow = (name: string, task: string, stage: string, created: string, nodes: Record<string, object> = {}, phase?: string) => ({
    metadata: { name, creationTimestamp: created, labels: { 'workflow-type': 'play-orchestration', 'task-id': task, 'current-stage': stage } },
    status: { ...(phase ? { phase } : {}), nodes },
  });

  it('lists oldest first with the stage label and the suspend nodes that wait', async () => {
    const { rest, calls } = fakeRest({
      workflows: [
        workflow('play-2-b', '2', 'waiting-ready-for-qa', '2026-12-03T08:00:02Z', {
          a: { displayName: 'wait-ready-for-qa', type: 'Suspend', phase: 'Running' },
          b: { displayName: 'wait-pr-created', type: 'Suspend', phase: 'Succeeded' },
          c: { displayName: 'agent-cleo', type: 'Pod', phase: 'Running' },
        }, 'Running'),
        workflow('play-1-a', '1', 'completed', '2026-12-03T08:00:01Z', {}, 'Succeeded'),
      ],
    });
    const plays = await listPlays(rest, 'argo');
    expect(plays.map((p) => [p.name, p.task, p.stage, p.phase, p.waitingAt])).toEqual([
      ['play-1-a', '1', 'completed', 'Succeeded', []],
      ['play-2-b', '2', 'waiting-ready-for-qa', 'Running', ['wait-ready-for-qa']],
    ]);
    expect(calls).toEqual([`GET /apis/argoproj.io/v1alpha1/namespaces/argo/workflows?labelSelector=${encodeURIComponent('workflow-type=play-orchestration')}`]);
  });

  it("selects one task's plays, and a new play without status is Pending", async () => {
    const { rest, calls } = fakeRest({ workflows: [{ metadata: { name: 'play-3-x', creationTimestamp: '2026-12-03T08:00:00Z', labels: { 'task-id': '3' } } }] });
    expect(await listPlays(rest, 'argo', 3)).toEqual([{ name: 'play-3-x', task: '3', stage: '', phase: 'Pending', waitingAt: [], created: '2026-12-03T08:00:00Z' }]);
    expect(calls[0]).toContain(encodeURIComponent('workflow-type=play-orchestration,task-id=3'));
  });
});
