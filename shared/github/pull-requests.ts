/** PullRequests over the GitHub REST API: find a branch's open PR, remove a label idempotently. */
import { githubMessage, isOctokitError, toGitHubError } from './errors';
import type { GitHubLog, GitHubOctokit, Timed } from './github-octokit';
import type { RepoOctokits } from './repo-octokits';
import type { PullRequestRef, PullRequests } from './types';

export const LIST_PULLS_ROUTE = 'GET /repos/{owner}/{repo}/pulls';
export const REMOVE_LABEL_ROUTE = 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}';

export interface RestPullRequestsOptions {
  readonly octokits: RepoOctokits;
  readonly log: GitHubLog;
  readonly fallbackSecondarySeconds: number;
  readonly timed: Timed;
}

/** The 404 body GitHub sends when the label is not on the issue (Prow's RemoveLabelWithContext treats it as success). */
const LABEL_MISSING = 'Label does not exist';

function requireText(name: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} must be a non-empty string`);
}

/** 401, or 404 while minting an installation token: the cached installation is stale. */
function installationStale(error: unknown): boolean {
  if (!isOctokitError(error)) return false;
  return error.status === 401 || (error.status === 404 && /\/app\/installations\/[^/]+\/access_tokens/.test(error.request?.url ?? ''));
}

export function restPullRequests(options: RestPullRequestsOptions): PullRequests {
  const { octokits, log, timed } = options;

  async function withRepo<T>(owner: string, repo: string, what: string, call: (octokit: GitHubOctokit) => Promise<T>): Promise<T> {
    try {
      return await call(await octokits.forRepo(owner, repo));
    } catch (error) {
      if (installationStale(error)) octokits.forget(owner, repo);
      throw toGitHubError(error, what, options.fallbackSecondarySeconds);
    }
  }

  return {
    async findOpenByBranch(owner, repo, branch) {
      requireText('owner', owner);
      requireText('repo', repo);
      requireText('branch', branch);
      const head = `${owner}:${branch}`;
      const pulls = await withRepo(owner, repo, `list open pull requests of ${owner}/${repo} with head ${head}`, (octokit) =>
        timed(
          LIST_PULLS_ROUTE,
          () => octokit.request(LIST_PULLS_ROUTE, { owner, repo, head, state: 'open', per_page: 100 }),
          (response) => response.status,
        ),
      );

      // GitHub ignores a `head` it cannot parse and lists every open PR; keep only exact heads.
      const matching = pulls.data
        .filter((pr) => pr.state === 'open' && pr.head.ref === branch && pr.head.label.toLowerCase() === head.toLowerCase())
        .sort((a, b) => a.number - b.number);
      if (matching.length < pulls.data.length) {
        log.warn(
          { owner, repo, head, returned: pulls.data.map((pr) => pr.number), kept: matching.map((pr) => pr.number) },
          'GitHub listed pull requests with another head; ignored them',
        );
      }
      const [first] = matching;
      if (!first) return undefined;

      const ref: PullRequestRef = { number: first.number, labels: first.labels.map((label) => label.name) };
      if (matching.length === 1) return ref;
      const allOpen = matching.map((pr) => pr.number);
      log.warn({ owner, repo, head, allOpen, chosen: first.number }, 'several open pull requests share this head; using the lowest number');
      return { ...ref, allOpen };
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
