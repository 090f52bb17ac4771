import { defineConfig } from 'vitest/config';

// Each test file gets its own process (forks): Dawn's native addon and its GPU object live
// per process, and lavapipe shares the machine's 2 cores, so files run two at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
