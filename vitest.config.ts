import { defineConfig } from 'vitest/config';

// Two cores on every machine: e2e tests spawn real servers and key generation
// is CPU-bound, so cap the workers and give each test a bounded, generous time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
