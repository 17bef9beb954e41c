/**
 * Which authenticated Octokit to use for a repository: the one token client, or the
 * GitHub App's installation client for that repository (installation looked up once
 * per repository and cached; installation tokens minted and cached by @octokit/auth-app).
 */
import { createAppAuth } from '@octokit/auth-app';
import { toGitHubError } from './errors';
import { GitHubOctokit, type GitHubOctokitOptions, type Timed } from './github-octokit';
import { GitHubRequestError } from './types';

export interface RepoOctokits {
  forRepo(owner: string, repo: string): Promise<GitHubOctokit>;
  /** Drop what is cached for the repository (its installation was removed or replaced). */
  forget(owner: string, repo: string): void;
}

export function tokenOctokits(token: string, options: GitHubOctokitOptions): RepoOctokits {
  const octokit = new GitHubOctokit({ ...options, auth: token });
  return { forRepo: async () => octokit, forget: () => {} };
}

export interface AppOctokitsOptions {
  readonly appId: string;
  readonly privateKey: string;
  readonly octokit: GitHubOctokitOptions;
  readonly fallbackSecondarySeconds: number;
  /** Times the installation lookup (the only call made with the App's JWT). */
  readonly timed: Timed;
  /** Repositories whose installation ID is remembered; the oldest is dropped beyond this. */
  readonly maxRepositories?: number;
}

export const INSTALLATION_ROUTE = 'GET /repos/{owner}/{repo}/installation';

export function appOctokits(options: AppOctokitsOptions): RepoOctokits {
  const { appId, privateKey } = options;
  const maxRepositories = options.maxRepositories ?? 1000;
  // App-level client: requests to /repos/{o}/{r}/installation are signed with the App JWT by auth-app.
  const app = new GitHubOctokit({ ...options.octokit, authStrategy: createAppAuth, auth: { appId, privateKey } });
  const installationIds = new Map<string, number>();
  const lookups = new Map<string, Promise<number>>();
  const installations = new Map<number, GitHubOctokit>();

  const key = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

  async function lookUp(owner: string, repo: string): Promise<number> {
    const what = `look up the GitHub App ${appId} installation for ${owner}/${repo}`;
    try {
      const { data } = await options.timed(INSTALLATION_ROUTE, () => app.request(INSTALLATION_ROUTE, { owner, repo }), (response) => response.status);
      return data.id;
    } catch (error) {
      const mapped = toGitHubError(error, what, options.fallbackSecondarySeconds);
      if (mapped instanceof GitHubRequestError && mapped.status === 404) {
        throw new GitHubRequestError(`the GitHub App ${appId} is not installed on ${owner}/${repo} (404 from ${INSTALLATION_ROUTE})`, 404);
      }
      throw mapped;
    }
  }

  async function installationId(owner: string, repo: string): Promise<number> {
    const k = key(owner, repo);
    const known = installationIds.get(k);
    if (known !== undefined) return known;
    let pending = lookups.get(k);
    if (!pending) {
      pending = lookUp(owner, repo).finally(() => lookups.delete(k));
      lookups.set(k, pending);
    }
    const id = await pending;
    installationIds.set(k, id);
    if (installationIds.size > maxRepositories) installationIds.delete(installationIds.keys().next().value as string);
    return id;
  }

  return {
    async forRepo(owner, repo) {
      const id = await installationId(owner, repo);
      let octokit = installations.get(id);
      if (!octokit) {
        // auth-app mints the installation token on first use and caches it (59 minutes; tokens live 60).
        octokit = new GitHubOctokit({ ...options.octokit, authStrategy: createAppAuth, auth: { appId, privateKey, installationId: id } });
        installations.set(id, octokit);
      }
      return octokit;
    },
    forget(owner, repo) {
      const k = key(owner, repo);
      const id = installationIds.get(k);
      installationIds.delete(k);
      if (id !== undefined) installations.delete(id);
    },
  };
}
