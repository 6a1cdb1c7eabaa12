import { defineConfig } from 'vitest/config';

// The unit tests beside the pipeline's code, alone: what `npm run mutation:unit` runs against each
// mutant of a pure module (the gate, the canary's grading), in minutes rather than hours.
export default defineConfig({
  test: {
    include: ['src/pipeline/**/*.test.ts'],
    pool: 'forks',
  },
});
