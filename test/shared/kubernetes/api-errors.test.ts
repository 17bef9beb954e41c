import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { asUnavailable } from '../../../shared/kubernetes/api-errors';
import { KubernetesUnavailableError } from '../../../shared/kubernetes/types';

const status = (code: number, message: string) => new ApiException(code, `HTTP-Code: ${code}`, JSON.stringify({ kind: 'Status', code, message }), {});

describe('asUnavailable', () => {
  it.each([401, 403])('makes %i retryable, naming the apiserver message and what to check', (code) => {
    const error = asUnavailable(status(code, 'a Handoff function may not change a Workflow\'s spec'), 'update workflow w');
    expect(error).toBeInstanceOf(KubernetesUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`update workflow w: HTTP ${code} \\(a Handoff function may not change a Workflow's spec\\); check the function's ServiceAccount, RBAC and write policy`));
  });

  it.each([429, 500, 503])('makes %i retryable', (code) => {
    expect(asUnavailable(status(code, 'x'), 'get')).toBeInstanceOf(KubernetesUnavailableError);
  });

  it('rethrows other answers as they are (a bug, not a retry)', () => {
    const invalid = status(422, 'invalid');
    expect(asUnavailable(invalid, 'update')).toBe(invalid);
  });
});
