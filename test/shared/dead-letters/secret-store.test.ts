/** The Secret-backed dead-letter store against the in-process Kubernetes API (the real @kubernetes/client-node). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REQUEST_LIMIT_BYTES, deadLetterName, toDeadLetter } from '../../../shared/dead-letters/dead-letter';
import { createSecretDeadLetterStore, type DeadLetterStore } from '../../../shared/dead-letters/secret-store';
import { KubernetesUnavailableError } from '../../../shared/kubernetes/types';
import { FakeKubeApi } from '../../fakes/fake-kube-api';
import { DEAD_LETTER_SECRET_TYPE } from '../../../shared/contract';

const letter = (key: string, extra: Partial<Parameters<typeof toDeadLetter>[0]> = {}) =>
  toDeadLetter({ key, function: 'approved', deliveryId: key, route: '/', status: 404, outcome: 'no-workflow', reason: 'no play workflow for task 7', at: new Date('2026-12-01T10:00:00Z'), request: `{"delivery":"${key}"}`, ...extra });

describe('Secret dead-letter store', () => {
  let api: FakeKubeApi;
  let store: DeadLetterStore;
  beforeEach(async () => {
    api = await FakeKubeApi.start();
    store = createSecretDeadLetterStore({ namespace: 'argo', kubeConfig: api.kubeConfig() });
  });
  afterEach(() => api.close());

  it('records one labelled Secret of type handoff.dev/dead-letter per event and reads it back', async () => {
    await store.record(letter('d-1'));
    const secret = api.get(deadLetterName('approved', 'd-1'), 'secrets', '') as any;
    expect(secret.type).toBe(DEAD_LETTER_SECRET_TYPE);
    expect(secret.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'handoff', 'handoff.dev/dead-letter': 'true', 'handoff.dev/function': 'approved' });
    expect(Buffer.from(secret.data.request, 'base64').toString()).toBe('{"delivery":"d-1"}');
    expect(await store.get(deadLetterName('approved', 'd-1'))).toEqual(letter('d-1'));
    expect(api.writes().map((r) => [r.method, r.path])).toEqual([['POST', '/api/v1/namespaces/argo/secrets']]);
  });

  it('the same event again replaces its dead letter (create, 409, then an unconditional PUT: no read)', async () => {
    await store.record(letter('d-1'));
    await store.record(letter('d-1', { status: 422, outcome: 'mismatch', reason: 'label and branch disagree' }));
    expect(await store.get(deadLetterName('approved', 'd-1'))).toMatchObject({ status: 422, outcome: 'mismatch' });
    // Discovery once (the generic client finds the Secret resource), then no read of the Secret before the PUT.
    const name = deadLetterName('approved', 'd-1');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v1',
      'POST /api/v1/namespaces/argo/secrets',
      'POST /api/v1/namespaces/argo/secrets',
      `PUT /api/v1/namespaces/argo/secrets/${name}`,
      `GET /api/v1/namespaces/argo/secrets/${name}`,
    ]);
  });

  it('lists only dead letters, of one function when asked, oldest first', async () => {
    api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'handoff-trigger-token', labels: { 'app.kubernetes.io/part-of': 'handoff' } } } as any, 'secrets', '');
    await store.record(letter('late', { at: new Date('2026-12-01T12:00:00Z') }));
    await store.record(letter('early', { at: new Date('2026-12-01T09:00:00Z') }));
    await store.record(letter('other', { function: 'rex-push' }));
    expect((await store.list()).map((l) => l.deliveryId)).toEqual(['early', 'other', 'late']);
    expect((await store.list('approved')).map((l) => l.deliveryId)).toEqual(['early', 'late']);
  });

  it('removes a dead letter once; never another Secret, whatever ID it is given', async () => {
    api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'handoff-trigger-token' } } as any, 'secrets', '');
    await store.record(letter('d-1'));
    expect(await store.remove(deadLetterName('approved', 'd-1'))).toBe(true);
    expect(await store.remove(deadLetterName('approved', 'd-1'))).toBe(false);
    expect(await store.remove('handoff-trigger-token')).toBe(false);
    expect(api.get('handoff-trigger-token', 'secrets', '')).toBeDefined();
    expect(await store.get('handoff-trigger-token')).toBeUndefined();
  });

  it('an apiserver that fails makes record throw KubernetesUnavailableError (the function answers 503)', async () => {
    api.failNext(1, 503);
    await expect(store.record(letter('d-1'))).rejects.toBeInstanceOf(KubernetesUnavailableError);
    api.failNext(1, 0);
    await expect(store.record(letter('d-1'))).rejects.toBeInstanceOf(KubernetesUnavailableError);
  });

  it('keeps a request up to the cap and drops it above, with its size', () => {
    expect(letter('a', { request: 'x'.repeat(REQUEST_LIMIT_BYTES) }).request).toHaveLength(REQUEST_LIMIT_BYTES);
    expect(letter('b', { request: 'x'.repeat(REQUEST_LIMIT_BYTES + 1) })).toMatchObject({ request: undefined, requestBytes: REQUEST_LIMIT_BYTES + 1 });
    expect(letter('c', { request: 'é'.repeat(REQUEST_LIMIT_BYTES / 2 + 1) }).request).toBeUndefined(); // bytes, not characters
  });
});
