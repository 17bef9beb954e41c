import { defineConfig } from 'vitest/config';

// `npm start`'s lifetime: each test starts and ends the real local stack, so one at a time and
// never beside the e2e suite (one stack per machine).
export default defineConfig({
  test: {
    include: ['test/lifetime/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
