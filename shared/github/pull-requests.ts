/** PullRequests over the GitHub REST API: list a branch's open PRs, remove a label idempotently. */
import type { Octokit } from '@octokit/rest';
import { githubMessage, installationStale, isOctokitError } from './errors';
import { GitHubNotFoundError, GitHubRequestError, type GitHubLog, type PullRequestRef, type PullRequests } from './types';

export const LIST_PULLS_ROUTE = 'GET /repos/{owner}/{repo}/pulls';
export const LIST_LABELS_ROUTE = 'GET /repos/{owner}/{repo}/issues/{issue_number}/labels';
export const REMOVE_LABEL_ROUTE = 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}';

/** Runs one GitHub call and reports it to the metrics hook. */
export type Timed = <T>(route: string, call: () => Promise<T>, statusOf?: (value: T) => number | undefined) => Promise<T>;

/** Runs `call` with the repository's authenticated Octokit; what it throws comes back classified (errors.ts). */
export type WithRepo = <T>(owner: string, repo: string, what: string, call: (octokit: Octokit) => Promise<T>) => Promise<T>;

/** What the client (client.ts) hands over: how to reach a repository, the metrics hook, the log. */
export interface RestPullRequestsOptions {
  readonly withRepo: WithRepo;
  readonly timed: Timed;
  readonly log: GitHubLog;
}

/**
 * Pages of 100 read at most. A parsed `head` yields the branch's few PRs on one page; only a head
 * GitHub cannot parse lists the whole repository, and that must not hold the remediation for minutes.
 */
export const MAX_LIST_PAGES = 10;

/** The 404 body GitHub sends when the label is not on the issue (Prow's RemoveLabelWithContext treats it as success). */
const LABEL_MISSING = 'Label does not exist';

function requireText(name: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string`);
}

export function restPullRequests(options: RestPullRequestsOptions): PullRequests {
  const { withRepo, timed, log } = options;

  return {
    async listOpenByBranch(owner, repo, branch) {
      requireText('owner', owner);
      requireText('repo', repo);
      requireText('branch', branch);
      const head = `${owner}:${branch}`;
      let pages = 0;
      const pulls = await withRepo(owner, repo, `list open pull requests of ${owner}/${repo} with head ${head}`, (octokit) =>
        timed(
          LIST_PULLS_ROUTE,
          // Each page is one request through plugin-retry and plugin-throttling; stop after MAX_LIST_PAGES.
          () =>
            octokit.paginate(LIST_PULLS_ROUTE, { owner, repo, head, state: 'open', per_page: 100 }, (response, done) => {
              if (++pages >= MAX_LIST_PAGES) done();
              return response.data;
            }),
          () => 200,
        ),
      );
      if (pages >= MAX_LIST_PAGES) log.warn({ owner, repo, head, pages }, 'stopped listing pull requests after the page limit');

      // GitHub ignores a `head` it cannot parse and lists every open PR; keep only exact heads.
      const matching = pulls
        .filter((pr) => pr.state === 'open' && pr.head.ref === branch && pr.head.label.toLowerCase() === head.toLowerCase())
        .sort((a, b) => a.number - b.number);
      if (matching.length < pulls.length) {
        log.warn(
          { owner, repo, head, returned: pulls.length, kept: matching.map((pr) => pr.number) },
          'GitHub listed pull requests with another head; ignored them',
        );
      }
      return matching.map((pr): PullRequestRef => ({ number: pr.number, labels: pr.labels.map((label) => label.name) }));
    },

    async listLabels(owner, repo, issueNumber) {
      requireText('owner', owner);
      requireText('repo', repo);
      if (!Number.isSafeInteger(issueNumber) || issueNumber <= 0) throw new TypeError(`issueNumber must be a positive integer, got ${issueNumber}`);
      let pages = 0;
      const what = `list the labels of ${owner}/${repo}#${issueNumber}`;
      let missing = false;
      try {
        const labels = await withRepo(owner, repo, what, (octokit) =>
          timed(
            LIST_LABELS_ROUTE,
            async () => {
              try {
                return await octokit.paginate(LIST_LABELS_ROUTE, { owner, repo, issue_number: issueNumber, per_page: 100 }, (response, done) => {
                  if (++pages >= MAX_LIST_PAGES) done();
                  return response.data;
                });
              } catch (error) {
                // The labels route itself answered 404 (not the installation lookup or token minting): no such issue here.
                if (isOctokitError(error) && error.status === 404 && !installationStale(error)) missing = true;
                throw error;
              }
            },
            () => 200,
          ),
        );
        return labels.map((label) => label.name);
      } catch (error) {
        if (missing && error instanceof GitHubRequestError && error.status === 404) throw new GitHubNotFoundError(error.message);
        throw error;
      }
    },

    async removeLabel(owner, repo, issueNumber, label) {
      requireText('owner', owner);
      requireText('repo', repo);
      requireText('label', label);
      if (!Number.isSafeInteger(issueNumber) || issueNumber <= 0) throw new TypeError(`issueNumber must be a positive integer, got ${issueNumber}`);

      const what = `remove label "${label}" from ${owner}/${repo}#${issueNumber}`;
      const result = await withRepo(owner, repo, what, (octokit) =>
        timed(
          REMOVE_LABEL_ROUTE,
          async () => {
            try {
              // Octokit URL-encodes {name} (encodeURIComponent), so "a b/c" becomes "a%20b%2Fc".
              const response = await octokit.request(REMOVE_LABEL_ROUTE, { owner, repo, issue_number: issueNumber, name: label });
              return { status: response.status as number, outcome: 'removed' as const };
            } catch (error) {
              // Only the label-missing 404 means "already done"; a missing issue or repository is an error.
              if (isOctokitError(error) && error.status === 404 && githubMessage(error) === LABEL_MISSING) {
                return { status: 404, outcome: 'absent' as const };
              }
              throw error;
            }
          },
          (value) => value.status,
        ),
      );
      log.debug({ owner, repo, issueNumber, label, outcome: result.outcome }, 'removeLabel');
      return result.outcome;
    },
  };
}
