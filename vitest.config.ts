import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { scratchEnv } from './test/support/scratch-env.js';

// libuv threads per test worker (Node's default is 4), which carry every DuckDB call: the two
// workers share two cores, and with four threads each they spent more time handing work between
// threads than doing it (four property and drill files: 103–104 s at 4, 83–90 s at 2, alternated
// on 2026-12-06). Set here, before the workers are forked, so that they inherit it.
process.env.UV_THREADPOOL_SIZE ??= '2';

// One DuckDB thread per database in the workers and the CLI processes they start (DuckDB's own
// default is one per core): two workers on two cores, each with a thread per core for every
// database it has open, spent their time contending. Three pipeline files took 47–50 s with
// DuckDB's default and 34–37 s with one thread, alternated on 2026-12-06.
process.env.BATCHGUARD_DUCKDB_THREADS ??= '1';

// CI reads the JSON report to print its one-line summary (see .ci/run).
const reporters: (string | [string, Record<string, unknown>])[] = process.env.CI
  ? ['default', ['json', { outputFile: '.ci/out/vitest.json' }]]
  : ['default'];

/**
 * The longest files first, so that neither worker is left alone with one at the end: property
 * and model tests (whole pipeline runs per case), then the other tests under test/ (the CLI and
 * drills), then the unit tests beside the code. vitest's own order needs timings from an earlier
 * run, which a fresh checkout in CI does not have.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const weight = (file: TestSpecification) => {
      const id = file.moduleId;
      if (/\.(property|model)\.test\.ts$/.test(id)) return 0;
      return id.includes('/test/') ? 1 : 2;
    };
    return [...(await super.sort(files))].sort((a, b) => weight(a) - weight(b));
  }
}

const INCLUDE = ['src/**/*.test.ts', 'test/**/*.test.ts'];

/**
 * Test files that replace a module with `vi.mock` (the tests that break a control on purpose).
 * Files share a process and its module cache (isolate: false, below), where one file's mock
 * would leak into the next file's pipeline, or not apply at all if the module was loaded first:
 * these run in a project of their own, each file in a fresh module graph.
 */
const MOCKING = ['src', 'test']
  .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)))
  .filter((file) => file.endsWith('.test.ts') && /\bvi\.mock\(/.test(readFileSync(file, 'utf8')));

export default defineConfig({
  test: {
    reporters,
    testTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    // One process per worker for all its files: each file importing the pipeline, the SDK and
    // DuckDB afresh cost about 40 s of a full run. Tests keep no state between files (every
    // world, database and server is made and disposed by the test that uses it).
    isolate: false,
    sequence: { sequencer: LongestFirst },
    // Every scratch file in one folder, on a tmpfs where there is one (a property case ~15 %
    // faster), removed at the end of the run (see scratchEnv).
    env: scratchEnv(),
    globalSetup: ['test/support/scratch-env.ts'],
    // The include lists live in the projects only: a project's lists are added to the root's.
    projects: [
      { extends: true, test: { name: 'shared', include: INCLUDE, exclude: MOCKING } },
      ...(MOCKING.length === 0
        ? []
        : [{ extends: true as const, test: { name: 'isolated', include: MOCKING, isolate: true } }]),
    ],
  },
});
