// The browser end-to-end test, kept apart from the unit suites so they stay fast:
//   npx vitest run --config tests/e2e/vitest.config.js
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/e2e/**/*.test.js'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // These tests train real networks against the clock on shared machines; a test that
    // fails twice in a row fails the run (the report lists the retried ones).
    retry: 1,
  },
});
