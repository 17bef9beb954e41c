// The harness's fake Kubernetes API lists as the apiserver does: label selectors over the objects as they are
// now (after PUTs move labels, POSTs add objects and DELETEs remove them), one collection at a time, by name.
// Checked through the real @kubernetes/client-node.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomObjectsApi, CoreV1Api } from '@kubernetes/client-node';
import { FakeKubeApi, parseSelector } from './fake-kube-api';

const workflow = (name: string, labels: Record<string, string>, namespace = 'argo') => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name, namespace, labels } });

describe('harness fake Kubernetes API: lists', () => {
  let api: FakeKubeApi;
  let custom: CustomObjectsApi;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
    custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
  });
  afterEach(async () => {
    await api.close();
  });
  const names = async (labelSelector?: string, namespace = 'argo') => {
    const list = (await custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace, plural: 'workflows', ...(labelSelector === undefined ? {} : { labelSelector }) })) as { items: { metadata: { name: string } }[] };
    return list.items.map((item) => item.metadata.name);
  };

  it('selects by every requirement, by name order, within one namespace and kind', async () => {
    api.put(workflow('play-2', { 'task-id': '2', 'current-stage': 'waiting-pr-created' }));
    api.put(workflow('play-10', { 'task-id': '10', 'current-stage': 'waiting-pr-created' }));
    api.put(workflow('play-1', { 'task-id': '1', 'current-stage': 'waiting-ready-for-qa' }));
    api.put(workflow('play-1', { 'task-id': '1' }, 'other'));
    api.put({ metadata: { name: 'play-1', labels: { 'task-id': '1' } } }, 'configmaps', '');

    expect(await names()).toEqual(['play-1', 'play-10', 'play-2']);
    expect(await names('task-id=1')).toEqual(['play-1']);
    expect(await names('task-id==10,current-stage=waiting-pr-created')).toEqual(['play-10']);
    expect(await names('task-id=1,current-stage=waiting-pr-created')).toEqual([]);
    expect(await names('current-stage!=waiting-pr-created')).toEqual(['play-1']);
    expect(await names('task-id in (2,10)')).toEqual(['play-10', 'play-2']);
    expect(await names('current-stage,!absent')).toEqual(['play-1', 'play-10', 'play-2']);
    expect(await names('task-id=3')).toEqual([]);
    expect(await names('task-id=1', 'other')).toEqual(['play-1']);
  });

  it('a PUT that moves a label, a POST and a DELETE are what the next list sees', async () => {
    api.put(workflow('play-7', { 'task-id': '7', 'current-stage': 'waiting-pr-created' }));
    const stored = api.get('play-7') as ReturnType<FakeKubeApi['put']>;
    await custom.replaceNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argo', plural: 'workflows', name: 'play-7', body: { ...stored, metadata: { ...stored.metadata, labels: { 'task-id': '7', 'current-stage': 'waiting-ready-for-qa' } } } });
    expect(await names('current-stage=waiting-pr-created')).toEqual([]);
    expect(await names('current-stage=waiting-ready-for-qa,task-id=7')).toEqual(['play-7']);

    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: 'argo', body: { metadata: { name: 's', labels: { kind: 'dead-letter' } } } });
    expect((await core.listNamespacedSecret({ namespace: 'argo', labelSelector: 'kind=dead-letter' })).items.map((s) => s.metadata?.name)).toEqual(['s']);
    await core.deleteNamespacedSecret({ namespace: 'argo', name: 's' });
    expect((await core.listNamespacedSecret({ namespace: 'argo', labelSelector: 'kind=dead-letter' })).items).toEqual([]);
  });

  it('parses the selector forms the apiserver accepts, and names the equalities', () => {
    const selector = parseSelector('a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g');
    expect(selector.equalities).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(selector.matches({ a: '1', b: '2', d: 'y', f: '' })).toBe(true);
    expect(selector.matches({ a: '1', b: '2', c: '3', d: 'y', f: '' })).toBe(false);
    expect(selector.matches({ a: '1', b: '2', d: 'y', e: 'z', f: '' })).toBe(false);
    expect(selector.matches({ a: '1', b: '2', d: 'y', f: '', g: '' })).toBe(false);
    expect(selector.matches({ a: '1', b: '2', d: 'w', f: '' })).toBe(false);
    expect(parseSelector('').matches({})).toBe(true);
  });
});
