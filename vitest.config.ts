import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Core tests start real processes on real ports: keep the machine's 2 cores unhurried.
    maxWorkers: 2,
  },
});
