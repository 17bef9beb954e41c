import { defineConfig } from 'vitest/config';

// The shipped image, built from the Dockerfile (buildah) and run in containerd (ctr): needs root.
// `npm run test:image`; .ci/e2e.sh runs it. A cold build takes about a minute, a warm one seconds.
export default defineConfig({
  test: {
    include: ['test/image/**/*.image.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 15 * 60_000,
  },
});
