import { defineConfig } from 'vitest/config';
import { scratchEnv } from './test/support/scratch-env.js';

// The tests Stryker runs against each mutant of src/pipeline: the pipeline's own unit tests, its
// end-to-end and property tests, and the game day (each drill a test of its own, run once: not
// its same-seed rerun), with a fixed fast-check seed so that a mutant's verdict does not depend on
// which random cases a run happened to draw, and a few runs per property: a mutant that survives
// runs every test that reaches it, so the budget multiplies by the mutants.
export default defineConfig({
  test: {
    include: [
      'src/pipeline/**/*.test.ts',
      'test/pipeline-*.test.ts',
      'test/invariants.property.test.ts',
      'test/canary.property.test.ts',
      'test/crash-safety.property.test.ts',
      'test/lifecycle.model.test.ts',
      'test/drills.test.ts',
    ],
    testNamePattern: /^(?!.*(run again at the same seed|another run log for another seed)).*$/,
    env: { FC_SEED: '1', BATCHGUARD_RUNS: '4', ...scratchEnv() },
    globalSetup: ['test/support/scratch-env.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
