import { defineConfig } from 'vitest/config';

// CI reads the JSON report to print its one-line summary (see .ci/run).
const reporters: (string | [string, Record<string, unknown>])[] = process.env.CI
  ? ['default', ['json', { outputFile: '.ci/out/vitest.json' }]]
  : ['default'];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters,
    testTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
