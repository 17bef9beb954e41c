/**
 * The narrow GitHub interface rex-push and pr-opened use (Prow style), so tests can swap in fakes,
 * and the hooks a caller gives the client (client.ts): its log and its per-call metrics.
 */

export interface PullRequestRef {
  readonly number: number;
  readonly labels: readonly string[];
}

export interface PullRequests {
  /**
   * Every open PR whose head is `owner:branch` in `owner/repo`, ascending by number (one branch can be
   * opened against several bases), every page read; empty when there is none.
   */
  listOpenByBranch(owner: string, repo: string, branch: string): Promise<PullRequestRef[]>;
  /**
   * The labels on an issue or PR, every page read (pr-opened, when the payload has none).
   * Throws GitHubNotFoundError when GitHub has no such issue or repository.
   */
  listLabels(owner: string, repo: string, issueNumber: number): Promise<string[]>;
  /** Remove a label; `absent` when GitHub answers 404 "Label does not exist". */
  removeLabel(owner: string, repo: string, issueNumber: number, label: string): Promise<'removed' | 'absent'>;
}

/** A pino-like logger; pino's `Logger` fits. */
export interface GitHubLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** What the client reports once per GitHub call (the `onCall` metrics hook). */
export interface GitHubCallInfo {
  /** Route template, e.g. `DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}`. */
  readonly route: string;
  /** Final HTTP status, when GitHub answered. */
  readonly status?: number;
  /** Whole call, retries and rate-limit waits included. */
  readonly durationMs: number;
  /** Set when the call failed (a label-missing 404 on removeLabel is not a failure). */
  readonly error?: unknown;
}

/** GitHub could not be reached, answered 5xx after retries, or rate-limited us: retry later (503). */
export class GitHubUnavailableError extends Error {
  override readonly name = 'GitHubUnavailableError';
  constructor(message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

/**
 * GitHub answered with a definite refusal that retrying will not fix by itself:
 * 401/403 (credentials, permissions), 404 (repository, issue or App installation
 * missing), 422. Carries the HTTP status.
 */
export class GitHubRequestError extends Error {
  override readonly name: string = 'GitHubRequestError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/**
 * GitHub answered 404 for the resource itself (the issue or PR, or its repository), after the App's
 * installation and token were found: what the payload names does not exist on GitHub, or the App
 * cannot see it. No retry changes that; the caller decides what the event gets (pr-opened: 422).
 */
export class GitHubNotFoundError extends GitHubRequestError {
  override readonly name = 'GitHubNotFoundError';
  constructor(message: string) {
    super(message, 404);
  }
}
