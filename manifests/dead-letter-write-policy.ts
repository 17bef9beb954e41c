/**
 * What a function may write among Secrets: only its own dead letters (shared/dead-letters/dead-letter.ts), enforced
 * by the apiserver (admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy). RBAC must grant `create` and
 * `update` on every Secret of the namespace (a name cannot restrict `create`, and dead-letter names are per event);
 * this policy narrows both to Secrets of type handoff.dev/dead-letter named `handoff-dl-<function>-…` and labelled
 * with the writing function's name, before and after the write. No read is granted: a function never sees a Secret.
 */
import { DECLARATIONS } from '../shared/declarations';
import { denyingBinding } from './function-write-policy';
import type { ManifestOptions } from './options';
import { functionServiceAccountName } from './service-account';
import { DEAD_LETTER_LABEL, DEAD_LETTER_NAME_PREFIX, DEAD_LETTER_SECRET_TYPE, FUNCTION_LABEL } from '../shared/contract';

export const deadLetterPolicyName = (options: Pick<ManifestOptions, 'namespace'>) => `handoff-dead-letter-writes-${options.namespace}`;

export function deadLetterWritePolicy(options: ManifestOptions) {
  const name = deadLetterPolicyName(options);
  const suffix = `(ValidatingAdmissionPolicy ${name}; see docs/operations.md "Dead letters")`;
  const accountPrefix = `system:serviceaccount:${options.namespace}:${functionServiceAccountName('')}`;
  const usernames = DECLARATIONS.map((declaration) => `'${accountPrefix}${declaration.name}'`);
  /** The object is a dead letter of the calling function. */
  const ownDeadLetter = (object: string) =>
    `${object}.type == '${DEAD_LETTER_SECRET_TYPE}' && ` +
    `${object}.metadata.name.startsWith('${DEAD_LETTER_NAME_PREFIX}' + variables.caller + '-') && ` +
    `has(${object}.metadata.labels) && ` +
    `'${DEAD_LETTER_LABEL}' in ${object}.metadata.labels && ${object}.metadata.labels['${DEAD_LETTER_LABEL}'] == 'true' && ` +
    `'${FUNCTION_LABEL}' in ${object}.metadata.labels && ${object}.metadata.labels['${FUNCTION_LABEL}'] == variables.caller`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': 'handoff' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'] }] },
      matchConditions: [{ name: 'handoff-function', expression: `request.userInfo.username in [${usernames.join(', ')}]` }],
      variables: [{ name: 'caller', expression: `request.userInfo.username.substring(${accountPrefix.length})` }],
      validations: [
        { expression: ownDeadLetter('object'), message: `a Handoff function may write only its own dead letters ${suffix}`, reason: 'Forbidden' },
        { expression: `request.operation != 'UPDATE' || (${ownDeadLetter('oldObject')})`, message: `a Handoff function may replace only its own dead letters ${suffix}`, reason: 'Forbidden' },
      ],
    },
  };
  return [policy, denyingBinding(name, options.namespace)];
}
