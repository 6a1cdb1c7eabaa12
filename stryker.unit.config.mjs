// Mutation testing of one pure module against the unit tests beside it alone (`npm run
// mutation:unit -- --mutate src/pipeline/gate/output-gate.ts`): minutes, where `npm run mutation`
// takes hours. A lower bound on the module's score, since the end-to-end tests kill more. Every
// mutant runs all of those tests: per-test coverage would miss the tests that use an object built
// once when their file loads (a gate made at the top of a test file), and call their mutants
// survivors.
import base from './stryker.config.mjs';

export default {
  ...base,
  vitest: { configFile: 'vitest.mutation-unit.config.ts', related: false },
  coverageAnalysis: 'off',
  ignoreStatic: false,
  htmlReporter: { fileName: 'reports-out/mutation-unit/index.html' },
  jsonReporter: { fileName: 'reports-out/mutation-unit/mutation.json' },
};
