import { defineConfig } from 'vitest/config';

// End-to-end tests against the real local control plane, started once in globalSetup.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    setupFiles: ['test/e2e/end-plays.ts'],
    // 2-core machines: one file at a time, generous timeouts (readiness is polled, never slept).
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The first run may build the pinned Go binaries (see docs/local-control-plane.md).
    teardownTimeout: 60_000,
  },
});
