import { describe, expect, it } from 'vitest';
import { GITHUB_BUDGET_MS, startDeadline } from '../../../shared/handler/remediation-budget';
import { GitHubUnavailableError } from '../../../shared/github/types';
import { TRIGGER_TIMEOUT_SECONDS } from '../../../manifests/function-sensor';

describe('rex-push time budget', () => {
  it('leaves the Sensor trigger timeout room for the Kubernetes steps and a cold start', () => {
    // docs/state-machine.md, "Time budget": GitHub ≤ 30 s, Kubernetes ≈ 2 s, cold start ≈ 2 s, under the trigger's 60 s.
    expect(GITHUB_BUDGET_MS + 10_000).toBeLessThanOrEqual(TRIGGER_TIMEOUT_SECONDS * 1000);
  });

  it('GitHub work not done within the budget fails with GitHubUnavailableError (503), counted from the start of the attempt', async () => {
    const deadline = startDeadline(1_000);
    await expect(deadline.github('fast', new Promise((resolve) => setTimeout(() => resolve('done'), 5)))).resolves.toBe('done');
    const slow = new Promise((resolve) => setTimeout(() => resolve('late'), 5_000));
    await expect(deadline.github('list pulls', slow)).rejects.toThrow(GitHubUnavailableError);
    // Budget already spent: a later call fails at once.
    const started = performance.now();
    await expect(deadline.github('remove label', new Promise(() => undefined))).rejects.toThrow(/not done within rex-push's 1 s GitHub budget/);
    expect(performance.now() - started).toBeLessThan(500); // at once, not after a budget of its own
  });

  it('a rejection of abandoned work is not left unhandled', async () => {
    const deadline = startDeadline(1);
    const failing = new Promise((_, reject) => setTimeout(() => reject(new Error('late failure')), 20));
    await expect(deadline.github('x', failing)).rejects.toThrow(GitHubUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 40)); // vitest fails the run on an unhandled rejection
  });
});
