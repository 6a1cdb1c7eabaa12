import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Job } from '../src/pipeline/job/job.js';
import { loadJob } from '../src/pipeline/job/load-job.js';
import { ROOT } from './source-files.js';
import { cliInProcess } from './support/cli-in-process.js';

/*
 * The example jobs besides examples/reviews, each a different shape of task: they load with every
 * control on and run in the simulated world to promotion. Then one control is turned off in a
 * copy of a job, and what it caught is seen to get through.
 */

const dir = mkdtempSync(join(tmpdir(), 'batchguard-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLES: { folder: string; shape: (job: Job) => void }[] = [
  {
    folder: 'support-tickets',
    shape: (job) => {
      expect(job.source.format).toBe('csv');
      expect(job.distributionField).toBe('queue');
      expect(job.schema).toMatchObject({
        properties: { priority: { type: 'integer', minimum: 1, maximum: 4 } },
      });
    },
  },
  {
    folder: 'contract-extraction',
    shape: (job) => {
      expect(job.source.format).toBe('jsonl');
      expect(job.schema).toMatchObject({
        properties: { parties: { type: 'array', items: { type: 'object' } }, dates: { type: 'object' } },
      });
    },
  },
  {
    folder: 'tool-call',
    shape: (job) => {
      expect(job.output).toEqual({ mode: 'tool', toolName: 'moderate_review' });
      expect(job.schema).toMatchObject({ type: 'object' });
    },
  },
];

/** The run's summary: its status, worst case, ceiling, coverage and golden score. */
function summary(stdout: string) {
  // Human output groups thousands (`$1,234.56`): the separators go before the number is read.
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1]?.replaceAll(',', '') ?? Number.NaN);
  return {
    status: /^run \S+: (\w+)$/m.exec(stdout)?.[1],
    worstCase: number(/worst case \$([\d,.]+)/),
    ceiling: number(/against a ceiling of \$([\d,.]+)/),
    coverage: number(/coverage ([\d.]+)%/),
    golden: number(/golden ([\d.]+)%/),
    cost: number(/cost \$([\d,.]+)/),
  };
}

describe('the example jobs', () => {
  for (const { folder, shape } of EXAMPLES) {
    it(`examples/${folder} loads with every control on and is promoted in simulation`, async () => {
      const path = join(ROOT, 'examples', folder, 'job.yaml');
      const job = await loadJob(path);
      expect(job).toMatchObject({
        canary: { enabled: true },
        golden: { path: join(ROOT, 'examples', folder, 'golden.jsonl') },
        fence: true,
        models: { escalation: 'claude-sonnet-4-5' },
        thresholds: { holdBelowValidityMin: true },
      });
      expect(job.quoteFields.length).toBeGreaterThan(0);
      expect(job.distributionField).not.toBeNull();
      shape(job);

      const run = await cliInProcess(
        ['run', path, '--seed', '1', '--db', join(dir, `${folder}.duckdb`)],
        dir,
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const result = summary(run.stdout);
      expect(result.status).toBe('promoted');
      expect(result.coverage).toBe(100);
      expect(result.golden).toBeGreaterThanOrEqual(job.golden.minScore * 100);
      // The ceiling is above the preflight's worst case, as the job file's comment works it out.
      expect(result.worstCase).toBeLessThan(result.ceiling);
      expect(result.ceiling).toBe(job.costCeilingUsd);
    });
  }
});

describe('a control turned off in examples/support-tickets', () => {
  const example = join(ROOT, 'examples', 'support-tickets');
  /** A copy of the job whose template carries a stray line, with `change` applied to its keys. */
  function strayJob(name: string, change: (raw: Record<string, unknown>) => void): string {
    const raw = YAML.parse(readFileSync(join(example, 'job.yaml'), 'utf8')) as Record<string, unknown>;
    raw.source = join(example, 'tickets.csv');
    raw.schema = join(example, 'output.schema.json');
    raw.golden = { ...(raw.golden as object), path: join(example, 'golden.jsonl') };
    raw.template = (raw.template as string).replace('Subject:', 'Always answer other.\nSubject:');
    change(raw);
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, YAML.stringify(raw));
    return path;
  }
  const run = (path: string, name: string) =>
    cliInProcess(['run', path, '--seed', '1', '--db', join(dir, `${name}.duckdb`)], dir);

  it('a stray "Always answer other." halts at the canary; with the canary off every row is spent first', async () => {
    const on = await run(
      strayJob('stray-canary-on', () => {}),
      'stray-canary-on',
    );
    expect(on.status).toBe(1);
    expect(summary(on.stdout).status).toBe('halted');
    expect(on.stdout).toContain('canary halted: top share 1.00 ("other") is above the maximum 0.90');
    expect(on.stdout).not.toContain('"phase":"main"');

    const off = await run(
      strayJob('stray-canary-off', (raw) => {
        raw.canary = { enabled: false };
      }),
      'stray-canary-off',
    );
    // No canary: all 325 requests went out before anything graded them; only the golden check at
    // the end held the damage back, after paying for every row.
    expect(off.stdout).not.toContain('canary halted');
    expect(off.stdout).toContain('phase=main');
    expect(summary(off.stdout).status).toBe('held');
    expect(off.stdout).toContain('promotion held: golden score 0.000 is below the minimum 0.8');
    expect(summary(off.stdout).cost).toBeGreaterThan(5 * summary(on.stdout).cost);

    const bare = await run(
      strayJob('stray-no-canary-no-golden', (raw) => {
        raw.canary = { enabled: false };
        raw.golden = null;
      }),
      'stray-no-canary-no-golden',
    );
    // With neither control, every ticket is routed to "other" and delivered.
    expect(bare.status).toBe(0);
    expect(summary(bare.stdout).status).toBe('promoted');
    const db = await DuckDBInstance.create(join(dir, 'stray-no-canary-no-golden.duckdb'));
    const connection = await db.connect();
    try {
      const queues = await connection.runAndReadAll(
        "SELECT json_extract_string(value, '$.queue') AS queue, count(*)::INTEGER AS n FROM routed_ticket GROUP BY 1",
      );
      expect(queues.getRowObjects()).toEqual([{ queue: 'other', n: 300 }]);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});
