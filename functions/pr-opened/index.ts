import { PR_OPENED } from '../../shared/declarations';
import { createGitHubClient } from '../../shared/github/client';
import { defineFunction } from '../../shared/server/define-function';

// The GitHub client reads a PR's labels live when its opened payload has none (README, "pr-opened").
export default defineFunction(PR_OPENED, { createGitHubClient });
