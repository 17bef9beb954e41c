/**
 * The peer of dev/bench/knative-cold.ts: pr-opened, functions/pr-opened/index.ts's default export,
 * hosted by faas-js-runtime (Knative Functions' Node runtime) instead of shared/server/serve.ts.
 * dev/bench/peer/Containerfile bundles it into the peer image; faas-js-runtime runs it with --include-raw.
 */
import prOpened from '../../../functions/pr-opened/index';
import { createFaasHandle } from './faas-handle';

export const handle = createFaasHandle(prOpened);
