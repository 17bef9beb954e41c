/**
 * The peer of bench/knative-cold.ts: pr-opened hosted by faas-js-runtime (Knative Functions' Node
 * runtime), wired like functions/pr-opened/index.ts (the GitHub client for the live label read).
 * bench/peer/Containerfile bundles it into the peer image; faas-js-runtime runs it with --include-raw.
 */
import { PR_OPENED } from '../../shared/declarations';
import { createGitHubClient } from '../../shared/github/client';
import { createFaasHandle } from './faas-handle';

export const handle = createFaasHandle(PR_OPENED, { createGitHubClient });
