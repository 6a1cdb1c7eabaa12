// Mutation testing of the pipeline (`npm run mutation`; not part of CI: it runs the pipeline's
// tests once per mutant, which takes hours on two cores). Narrow it with
// `npm run mutation -- --mutate 'src/pipeline/gate/**/*.ts'`.
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/pipeline/**/*.ts', '!src/pipeline/**/*.test.ts'],
  coverageAnalysis: 'perTest',
  // A mutant of a module-level constant is covered by every test: running them all for each
  // costs most of the time for few verdicts, so those are counted apart (as ignored).
  ignoreStatic: true,
  // Stryker rewrites tsconfig.json through the TypeScript 5 API, which TypeScript 7 (a native
  // compiler) no longer has; tsx and vitest need no tsconfig to run the mutants, so point it at none.
  tsconfigFile: 'tsconfig.none.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports-out/mutation/index.html' },
  jsonReporter: { fileName: 'reports-out/mutation/mutation.json' },
  concurrency: 2,
  timeoutMS: 120_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
