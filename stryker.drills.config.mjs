// Mutation testing of the pipeline against the game day and the properties alone (`npm run
// mutation:drills -- --mutate src/pipeline/run/spend-guard.ts`): how many mutants the drills and
// the properties kill on their own, without the unit and end-to-end tests written for each
// module. Every mutant runs all of them (no per-test coverage): the game day's summary tests read
// what the drills before them in the file recorded, so one run alone would fail for that, not
// for the mutant.
import base from './stryker.config.mjs';

export default {
  ...base,
  vitest: { configFile: 'vitest.mutation-drills.config.ts', related: false },
  coverageAnalysis: 'off',
  ignoreStatic: false,
  timeoutMS: 600_000,
  // The first run, with no mutant, runs every drill and property once: minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  htmlReporter: { fileName: 'reports-out/mutation-drills/index.html' },
  jsonReporter: { fileName: 'reports-out/mutation-drills/mutation.json' },
};
