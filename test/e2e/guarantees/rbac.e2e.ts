// Guarantee: each function's ServiceAccount may do exactly what its job needs (knative/<function>.yaml),
// checked by the real kube-apiserver's RBAC authorizer through SubjectAccessReviews.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../dev/stack/kube-rest';
import { repoRoot } from '../../../dev/stack/binaries/versions';
import { kube, stack } from './support';

const functions = ['pr-opened', 'labeled-ready-for-qa', 'approved', 'rex-push'] as const;
const rbacKinds = new Set(['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);
const plural: Record<string, string> = { ServiceAccount: 'serviceaccounts', Role: 'roles', RoleBinding: 'rolebindings', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings' };

interface Access { verb: string; group: string; resource: string; namespace: string }

async function allowed(user: string, namespace: string, access: Access): Promise<boolean> {
  const res = await kube().call<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'], resourceAttributes: access },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.status.allowed;
}

/** The expectations the apiserver's authorizer disagrees with, as readable lines (none: RBAC is as declared). */
async function mismatches(user: string, namespace: string, expectations: [Access, boolean][]): Promise<string[]> {
  const seen = await Promise.all(expectations.map(async ([access]) => allowed(user, namespace, access)));
  return expectations.filter(([, want], i) => seen[i] !== want).map(([a, want]) => `${a.verb} ${a.group}/${a.resource} in ${a.namespace}: want ${want ? 'allowed' : 'denied'}`);
}

describe('function RBAC (SubjectAccessReview against the real apiserver)', () => {
  beforeAll(async () => {
    const rest = kube();
    for (const fn of functions) {
      const objects = parseAllDocuments(readFileSync(join(repoRoot, 'knative', `${fn}.yaml`), 'utf8')).map((d) => d.toJSON() as KubeObject).filter((o) => o && rbacKinds.has(o.kind));
      expect(objects.map((o) => o.kind).sort(), fn).toEqual(['Role', 'RoleBinding', 'ServiceAccount']);
      for (const object of objects) {
        const res = await rest.call('PATCH', rest.pathOf(object, plural[object.kind]!) + '?fieldManager=handoff-e2e&force=true', object, 'application/apply-patch+yaml');
        expect(res.status, `${object.kind}/${object.metadata.name}: ${res.text}`).toBeLessThan(300);
      }
    }
  });

  for (const fn of functions) {
    it(`handoff-${fn}: exactly get/list/update workflows, create/update secrets (dead letters)${fn === 'rex-push' ? ' and list/delete coderuns' : ''} in its namespace`, async () => {
      const { namespace } = stack();
      const user = `system:serviceaccount:${namespace}:handoff-${fn}`;
      const wf = (verb: string, ns = namespace): Access => ({ verb, group: 'argoproj.io', resource: 'workflows', namespace: ns });
      const cr = (verb: string): Access => ({ verb, group: 'agents.platform', resource: 'coderuns', namespace });
      const expectations: [Access, boolean][] = [
        [wf('get'), true],
        [wf('list'), true],
        [wf('update'), true],
        [wf('delete'), false],
        [wf('patch'), false],
        [wf('create'), false],
        [wf('deletecollection'), false],
        [wf('watch'), false],
        [wf('get', 'default'), false],
        [wf('update', 'kube-system'), false],
        // Dead letters: create and replace only (knative/function-write-policy.yaml narrows them to its own); never a read.
        [{ verb: 'create', group: '', resource: 'secrets', namespace }, true],
        [{ verb: 'update', group: '', resource: 'secrets', namespace }, true],
        [{ verb: 'get', group: '', resource: 'secrets', namespace }, false],
        [{ verb: 'list', group: '', resource: 'secrets', namespace }, false],
        [{ verb: 'watch', group: '', resource: 'secrets', namespace }, false],
        [{ verb: 'patch', group: '', resource: 'secrets', namespace }, false],
        [{ verb: 'delete', group: '', resource: 'secrets', namespace }, false],
        [{ verb: 'create', group: '', resource: 'secrets', namespace: 'default' }, false],
        [{ verb: 'create', group: '', resource: 'configmaps', namespace }, false],
        [{ verb: 'get', group: 'argoproj.io', resource: 'workflowtemplates', namespace }, false],
        [{ verb: 'create', group: 'argoproj.io', resource: 'workflows/status', namespace }, false],
        [cr('list'), fn === 'rex-push'],
        [cr('delete'), fn === 'rex-push'],
        [cr('create'), false],
        [cr('update'), false],
        [cr('get'), false],
        [{ verb: 'delete', group: 'agents.platform', resource: 'coderuns', namespace: 'default' }, false],
      ];
      expect(await mismatches(user, namespace, expectations)).toEqual([]);
    });
  }

  it('play-workflows-eventsource (argo/events/eventsource-play-workflows.yaml, applied by the stack): only get/list/watch workflows', async () => {
    const { namespace } = stack();
    const user = `system:serviceaccount:${namespace}:play-workflows-eventsource`;
    const wf = (verb: string, ns = namespace): Access => ({ verb, group: 'argoproj.io', resource: 'workflows', namespace: ns });
    const expectations: [Access, boolean][] = [
      [wf('get'), true],
      [wf('list'), true],
      [wf('watch'), true],
      [wf('update'), false],
      [wf('patch'), false],
      [wf('delete'), false],
      [wf('create'), false],
      [wf('list', 'default'), false],
      [{ verb: 'get', group: '', resource: 'secrets', namespace }, false],
    ];
    expect(await mismatches(user, namespace, expectations)).toEqual([]);
  });
});
