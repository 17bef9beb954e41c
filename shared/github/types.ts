/** The narrow GitHub interface rex-push uses (Prow style), so tests can swap in fakes. */

export interface PullRequestRef {
  readonly number: number;
  readonly labels: readonly string[];
}

export interface PullRequests {
  /** The open PR whose head is `owner:branch` in `owner/repo`, if any. */
  findOpenByBranch(owner: string, repo: string, branch: string): Promise<PullRequestRef | undefined>;
  /** Remove a label; `absent` when GitHub answers 404 "Label does not exist". */
  removeLabel(owner: string, repo: string, issueNumber: number, label: string): Promise<'removed' | 'absent'>;
}

/** GitHub could not be reached, answered 5xx after retries, or rate-limited us: retry later (503). */
export class GitHubUnavailableError extends Error {
  override readonly name = 'GitHubUnavailableError';
  constructor(message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}
