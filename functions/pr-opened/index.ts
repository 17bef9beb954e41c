import { PR_OPENED } from '../../shared/declarations';
import { createGitHubClient } from '../../shared/github/client';
import { serveFunction } from '../../shared/server/serve-function';

// The GitHub client reads a PR's labels live when its opened payload has none (README, "pr-opened").
serveFunction(PR_OPENED, { createGitHubClient });
