/**
 * What a function's `update` of a Workflow may change, enforced by the apiserver (admissionregistration.k8s.io/v1
 * ValidatingAdmissionPolicy, GA in Kubernetes 1.30). RBAC lets `handoff-<function>` update any Workflow in the
 * namespace; this policy narrows that write to what a resume (shared/kubernetes/plan-resume.ts) changes:
 * the stage label, the function's own annotations, and the status of active suspend nodes (their phase,
 * finishedAt, message and supplied outputs) with the global outputs they set. Never `spec`.
 *
 * CEL cost: every check is linear in the size of the object (one pass over labels, annotations, status keys and
 * nodes, comparing each old and new value once), far below the per-expression limit for workflows of a few
 * hundred nodes (test/e2e/guarantees/write-policy.e2e.ts writes one). Compressed node status
 * (status.compressedNodes, workflows over 1 MiB) cannot be read by CEL: for those, the node check is skipped
 * and the other checks still apply (docs/operations.md, "Who can write what").
 */
import { DECLARATIONS } from '../shared/declarations';
import type { ManifestOptions } from './options';
import { functionServiceAccountName } from './service-account';
import { FUNCTION_ANNOTATIONS, WORKFLOW_LABELS } from '../shared/contract';

export const writePolicyName = (options: Pick<ManifestOptions, 'namespace'>) => `handoff-function-writes-${options.namespace}`;

/** The fields of an active suspend node a resume sets (updateSuspendedNode with SetOperationValues, outputs). */
export const RESUMABLE_NODE_FIELDS = ['phase', 'finishedAt', 'message', 'outputs'] as const;
/** The status fields a resume may touch: nodes (checked node by node), compressedNodes, and outputs.parameters. */
const WRITABLE_STATUS_FIELDS = ['nodes', 'compressedNodes', 'outputs'] as const;

const celList = (items: readonly string[]) => `[${items.map((item) => `'${item}'`).join(', ')}]`;

/** `fresh` and `old` (two maps) are equal except for keys `writable(k)` allows; `k` names the key variable. */
const sameExcept = (fresh: string, old: string, writable: (key: string) => string, k = 'k') =>
  `${fresh}.all(${k}, ${writable(k)} || (${k} in ${old} && ${old}[${k}] == ${fresh}[${k}])) && ${old}.all(${k}, ${writable(k)} || ${k} in ${fresh})`;

export function functionWritePolicy(options: ManifestOptions) {
  const name = writePolicyName(options);
  const suffix = `(ValidatingAdmissionPolicy ${name}; see docs/operations.md "Who can write what")`;
  const usernames = DECLARATIONS.map((declaration) => `system:serviceaccount:${options.namespace}:${functionServiceAccountName(declaration.name)}`);
  const status = (object: string) => `has(${object}.status) ? ${object}.status : {}`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: ['argoproj.io'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['workflows', 'workflows/status'] }],
      },
      // Only the functions' identities: the workflow-controller, the play's steps and people are not narrowed here.
      matchConditions: [{ name: 'handoff-function', expression: `request.userInfo.username in ${celList(usernames)}` }],
      variables: [
        { name: 'oldLabels', expression: 'has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}' },
        { name: 'newLabels', expression: 'has(object.metadata.labels) ? object.metadata.labels : {}' },
        { name: 'oldAnnotations', expression: 'has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}' },
        { name: 'newAnnotations', expression: 'has(object.metadata.annotations) ? object.metadata.annotations : {}' },
        { name: 'oldStatus', expression: status('oldObject') },
        { name: 'newStatus', expression: status('object') },
        { name: 'compressed', expression: "has(variables.oldStatus.compressedNodes) || has(variables.newStatus.compressedNodes)" },
        { name: 'oldNodes', expression: "has(variables.oldStatus.nodes) ? variables.oldStatus.nodes : {}" },
        { name: 'newNodes', expression: "has(variables.newStatus.nodes) ? variables.newStatus.nodes : {}" },
        { name: 'oldOutputs', expression: "has(variables.oldStatus.outputs) ? variables.oldStatus.outputs : {}" },
        { name: 'newOutputs', expression: "has(variables.newStatus.outputs) ? variables.newStatus.outputs : {}" },
      ],
      validations: [
        {
          expression: '(has(object.spec) ? object.spec : {}) == (has(oldObject.spec) ? oldObject.spec : {})',
          message: `a Handoff function may not change a Workflow's spec ${suffix}`,
          reason: 'Forbidden',
        },
        {
          expression: sameExcept('variables.newLabels', 'variables.oldLabels', (k) => `${k} == '${WORKFLOW_LABELS.stage}'`),
          message: `a Handoff function may change only the ${WORKFLOW_LABELS.stage} label of a Workflow ${suffix}`,
          reason: 'Forbidden',
        },
        {
          expression: sameExcept('variables.newAnnotations', 'variables.oldAnnotations', (k) => `${k} in ${celList(FUNCTION_ANNOTATIONS)}`),
          message: `a Handoff function may change only its own annotations (${FUNCTION_ANNOTATIONS.join(', ')}) of a Workflow ${suffix}`,
          reason: 'Forbidden',
        },
        {
          expression:
            "(has(object.metadata.finalizers) ? object.metadata.finalizers : []) == (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : []) && " +
            "(has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) == (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])",
          message: `a Handoff function may not change a Workflow's finalizers or owner references ${suffix}`,
          reason: 'Forbidden',
        },
        {
          expression:
            sameExcept('variables.newStatus', 'variables.oldStatus', (k) => `${k} in ${celList(WRITABLE_STATUS_FIELDS)}`) +
            ` && ${sameExcept('variables.newOutputs', 'variables.oldOutputs', (k) => `${k} == 'parameters'`)}`,
          message: `a Handoff function may change only status.nodes and status.outputs.parameters of a Workflow ${suffix}`,
          reason: 'Forbidden',
        },
        {
          // Same node ids; a node differs only if it was an active suspend node, and only in what a resume sets.
          expression:
            'variables.compressed || (' +
            'variables.oldNodes.all(id, id in variables.newNodes) && ' +
            'variables.newNodes.all(id, id in variables.oldNodes && (variables.newNodes[id] == variables.oldNodes[id] || (' +
            "variables.oldNodes[id].type == 'Suspend' && variables.oldNodes[id].phase == 'Running' && " +
            sameExcept('variables.newNodes[id]', 'variables.oldNodes[id]', (f) => `${f} in ${celList(RESUMABLE_NODE_FIELDS)}`, 'f') +
            '))))',
          message: `a Handoff function may change only the ${RESUMABLE_NODE_FIELDS.join(', ')} of an active suspend node ${suffix}`,
          reason: 'Forbidden',
        },
      ],
    },
  };
  return [policy, denyingBinding(name, options.namespace)];
}

/** The binding that makes a policy deny (not warn) in the one namespace Handoff runs in. */
export function denyingBinding(name: string, namespace: string) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
    },
  };
}
