import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { loadScenario } from '../src/drills/scenario.js';
import { loadJob } from '../src/pipeline/job/load-job.js';
import { damage, mutate, mutation, yamlBytes } from './arbitraries/yaml-mutation.js';
import { cliInProcess } from './support/cli-in-process.js';
import { HAIKU, jobFolder, reviews, SONNET, TEMPLATE } from './support/pipeline-harness.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';

/*
 * Job and scenario files as people get them wrong. Each loads, or is refused with a UsageError
 * (exit 2) that names every problem, one line each with its path; and a sample runs through the
 * CLI to exit 0, 1 or 2: never exit 3 (a bug), never a hang.
 */

const FILE = 'test/job-fuzz.property.test.ts';

const JOB = {
  name: 'fuzz',
  source: 'reviews.csv',
  key: 'id',
  template: TEMPLATE,
  schema: 'schema.json',
  models: { primary: HAIKU, escalation: SONNET },
  max_tokens: 200,
  cost_ceiling_usd: 10,
  canary: { enabled: true, fraction: 0.02, min_rows: 5 },
  golden: 'golden.jsonl',
  thresholds: { validity_min: 0.5, golden_drop_points: 3, error_rate_max: 0.05, label_share_max: 0.9 },
  distribution_field: 'label',
  quote_fields: ['evidence'],
  fence: true,
  sink: 'record',
  attempts: 3,
  max_in_flight: 4,
  max_batch_requests: 100_000,
  poll_interval_seconds: 60,
};

/** Every key path of JOB, and a few it may be given. */
const JOB_PATHS: string[][] = [
  ...Object.entries(JOB).flatMap(([key, value]) =>
    typeof value === 'object' && !Array.isArray(value)
      ? [[key], ...Object.keys(value).map((sub) => [key, sub])]
      : [[key]],
  ),
  ['thresholds', 'hold_below_validity_min'],
  ['outage_wait_minutes'],
  ['golden', 'min_score'],
  ['source', 'format'],
];

const SCENARIO = {
  title: 'fuzz',
  failure_mode: 'none',
  seed: 1,
  dataset: { rows: 20, golden_rows: 4 },
  job: { canary: { min_rows: 5 } },
  expect: { control: 'none', hypothesis: ['coverage', { valid_share_min: 0.5 }] },
};

const SCENARIO_PATHS: string[][] = [
  ['title'],
  ['failure_mode'],
  ['kind'],
  ['seed'],
  ['dataset', 'rows'],
  ['dataset', 'golden_rows'],
  ['faults', 'schema_drift'],
  ['http_faults', 'rate'],
  ['expect', 'control'],
  ['expect', 'status'],
  ['expect', 'hypothesis'],
  ...JOB_PATHS.map((path) => ['job', ...path]),
];

/** A file case: the mutations, the text-level damage and where it falls. */
const fileCase = (paths: string[][], most: number) =>
  fc.record({
    mutations: fc.array(mutation(paths), { maxLength: most }),
    damage,
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  });

/** Loads, or a UsageError naming each of its problems on a line with a path: nothing else. */
async function expectLoadsOrNamesEveryProblem<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    expect(error.exitCode).toBe(2);
    const [head, ...lines] = error.message.split('\n');
    expect(head).toMatch(/^Failed to (load|parse|read) (job|scenario) .+/);
    const counted = /: (\d+) problems?\.$/.exec(head!);
    if (counted) {
      expect(lines).toHaveLength(Number(counted[1]));
      for (const line of lines) expect(line).toMatch(/^ {2}- \S.*: .+/);
    }
    return null;
  }
}

describe('job files, mutated', () => {
  const { dir } = jobFolder(reviews(20));
  let n = 0;

  it('load with every number within its bounds, or are refused naming every problem', async () => {
    await checkProperty(
      'job files load or name every problem',
      FILE,
      fc.asyncProperty(fileCase(JOB_PATHS, 4), async ({ mutations, damage: how, at }) => {
        const path = join(dir, `job-${n++}.yaml`);
        writeFileSync(path, yamlBytes(mutate(JOB, mutations), how, at));
        const job = await expectLoadsOrNamesEveryProblem(() => loadJob(path));
        if (job === null) return;
        for (const value of [job.maxTokens, job.costCeilingUsd, job.canary.fraction, job.pollIntervalSeconds])
          expect(Number.isFinite(value)).toBe(true);
        expect(job.pollIntervalSeconds).toBeGreaterThanOrEqual(1);
        expect(job.canary.minRows).toBeLessThanOrEqual(100_000);
        expect(job.attempts).toBeLessThanOrEqual(10);
        expect(job.maxInFlight).toBeLessThanOrEqual(32);
        expect(job.maxBatchRequests).toBeGreaterThanOrEqual(1);
        expect(job.maxBatchRequests).toBeLessThanOrEqual(100_000);
      }),
      60,
    );
  });

  it(
    'run through the CLI to exit 0, 1 or 2, never 3',
    async () => {
      await checkProperty(
        'mutated jobs run to exit 0, 1 or 2',
        FILE,
        fc.asyncProperty(fileCase(JOB_PATHS, 2), async ({ mutations, damage: how, at }) => {
          const file = `run-${n++}.yaml`;
          writeFileSync(join(dir, file), yamlBytes(mutate(JOB, mutations), how, at));
          const result = await cliInProcess(['run', file, '--db', `${file}.duckdb`], dir);
          expect([0, 1, 2], result.stderr).toContain(result.status);
          if (result.status === 2) expect(result.stderr).toMatch(/^error: Failed to /);
        }),
        3,
      );
    },
    propertyTimeout(90_000),
  );
});

describe('scenario files, mutated', () => {
  const { dir } = jobFolder(reviews(1));
  let n = 0;

  it('load, or are refused naming every problem', async () => {
    await checkProperty(
      'scenario files load or name every problem',
      FILE,
      fc.asyncProperty(fileCase(SCENARIO_PATHS, 4), async ({ mutations, damage: how, at }) => {
        const path = join(dir, `scenario-${n++}.yaml`);
        writeFileSync(path, yamlBytes(mutate(SCENARIO, mutations), how, at));
        const scenario = await expectLoadsOrNamesEveryProblem(() => loadScenario(path));
        if (scenario === null) return;
        for (const check of scenario.expect.hypothesis)
          if (check.param !== null) expect(check.param >= 0 && check.param <= 1).toBe(true);
      }),
      60,
    );
  });

  it(
    'drill through the CLI to exit 0, 1 or 2, never 3',
    async () => {
      await checkProperty(
        'mutated scenarios drill to exit 0, 1 or 2',
        FILE,
        fc.asyncProperty(fileCase(SCENARIO_PATHS, 2), async ({ mutations, damage: how, at }) => {
          const file = `drill-${n++}.yaml`;
          writeFileSync(join(dir, file), yamlBytes(mutate(SCENARIO, mutations), how, at));
          // A drill of 200,000 rows is a valid scenario, and minutes long: its loading is checked above.
          const loaded = await loadScenario(join(dir, file)).catch(() => null);
          if (loaded !== null && loaded.dataset.rows > 200) return;
          const result = await cliInProcess(['drill', file, '--db', `${file}.duckdb`], dir);
          expect([0, 1, 2], result.stderr).toContain(result.status);
          if (result.status === 2) expect(result.stderr).toMatch(/^error: Failed to /);
        }),
        3,
      );
    },
    propertyTimeout(90_000),
  );
});
