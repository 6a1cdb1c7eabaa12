import { defineConfig } from 'vitest/config';
import { scratchEnv } from './test/support/scratch-env.js';

// The game day and the pipeline's properties, alone: what `npm run mutation:drills` runs against
// each mutant, to count the mutants the drills and properties kill on their own (no unit test,
// no narrow end-to-end test). The game day runs once (not its same-seed rerun), every property
// its 4 fixed-seed cases.
export default defineConfig({
  test: {
    include: [
      'test/drills.test.ts',
      'test/invariants.property.test.ts',
      'test/canary.property.test.ts',
      'test/crash-safety.property.test.ts',
    ],
    testNamePattern: /^(?!.*(run again at the same seed|another run log for another seed)).*$/,
    // One DuckDB thread per database, as in `npm test`: Stryker's two workers share the cores.
    env: { FC_SEED: '1', BATCHGUARD_RUNS: '4', BATCHGUARD_DUCKDB_THREADS: '1', ...scratchEnv() },
    globalSetup: ['test/support/scratch-env.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
