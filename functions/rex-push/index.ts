import { REX_PUSH } from '../../shared/declarations';
import { createGitHubClient } from '../../shared/github/client';
import { serveFunction } from '../../shared/server/serve-function';

serveFunction(REX_PUSH, { createGitHubClient });
