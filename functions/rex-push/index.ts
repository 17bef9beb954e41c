import { REX_PUSH } from '../../shared/declarations';
import { createGitHubClient } from '../../shared/github/client';
import { defineFunction } from '../../shared/server/define-function';

export default defineFunction(REX_PUSH, { createGitHubClient });
