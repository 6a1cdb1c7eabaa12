import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { slopeOf } from '../src/core/least-squares.js';
import { AlertOutbox } from '../src/pipeline/alerts/alert-outbox.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { schemaDrift, schemaDriftParams } from '../src/sim/faults/schema-drift.js';
import { ROOT } from './source-files.js';
import { cliInProcess } from './support/cli-in-process.js';
import { jobFolder, simRun } from './support/pipeline-harness.js';
import { webhookReceiver } from './support/webhook.js';

/*
 * A drift across nights: three runs of one job whose answers break a little more each night
 * (schema drift at 0.6 %, 1.1 %, 1.9 %: validity about 99.4 → 98.9 → 98.1 %), none of them under
 * its validity_min of 90 %. The third raises a trend alarm; `report --check` then exits 1.
 */

const RATES = [0.006, 0.011, 0.019];

/** Run the job once in a world whose answers drift at `rate`; the database stays in `dir`. */
async function night(
  dir: string,
  job: Parameters<Awaited<ReturnType<typeof simRun>>['start']>[0],
  seed: number,
  rate: number,
) {
  const drift = schemaDrift(schemaDriftParams.parse({ rate, variants: ['malformed'] }));
  const run = await simRun(dir, { seed, faults: [drift] });
  const outbox = new AlertOutbox({ log: () => {} });
  run.env.alerts = outbox;
  try {
    const summary = await run.start(job);
    await outbox.flush(10_000);
    const alarms = run.entries.filter((e) => e.kind === 'trend_alarm');
    return { summary, alarms };
  } finally {
    run.db.close();
    await RunDb.release(join(dir, 'runs.duckdb'));
    run.sim.world.dispose();
  }
}

describe('trend alarms', () => {
  it('alarm on the third night of a slow drift that crosses no single line; report --check exits 1', async () => {
    // A webhook on a local port, which the trend alarm pages.
    const hook = await webhookReceiver();
    const { dir, job } = jobFolder(1000, {
      models: { primary: 'claude-haiku-4-5', escalation: null },
      golden: null,
      alerts: { webhook: hook.url },
    });
    const nights = [];
    for (const [i, rate] of RATES.entries()) nights.push(await night(dir, job, i + 1, rate));

    const validity = nights.map((n) => n.summary.metrics!.validity);

    expect(validity[0]).toBeGreaterThan(validity[2]!);
    for (const v of validity) expect(v).toBeGreaterThan(job.thresholds.validityMin);
    expect(nights.map((n) => n.summary.status)).toEqual(['promoted', 'promoted', 'promoted']);
    // Too few runs to fit before the third.
    expect(nights[0]!.alarms).toEqual([]);
    expect(nights[1]!.alarms).toEqual([]);
    const [alarm] = nights[2]!.alarms;
    expect(alarm?.detail).toMatchObject({ metric: 'validity', values: validity });
    expect(alarm!.detail.slope).toBeCloseTo(slopeOf(validity), 12);
    expect(nights[2]!.summary.trendAlarms).toHaveLength(1);
    // Paged: one POST, on the third night, for the trend.
    await hook.close();
    expect(hook.received.map(({ body: p }) => [p.kind, p.alert_kind, p.run_id])).toEqual([
      ['trend_alarm', 'trend_alarm', nights[2]!.summary.runId],
    ]);
    expect(String(hook.received[0]!.body.text)).toContain('trend_alarm');

    const check = await cliInProcess(['report', '--check', '--db', 'runs.duckdb'], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(
      /^ALARM reviews run-\S+: trend_alarm: validity \d+\.\d % → \d+\.\d % → \d+\.\d % over 3 runs/m,
    );
  }, 120_000);

  it('fits the same slope as DuckDB’s regr_slope, which reports/trends.sql uses', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    for (const ys of [
      [0.994, 0.989, 0.981],
      [0.5, 0.7],
      [1, 1, 1, 1],
      [0.2, 0.9, 0.1, 0.4, 0.35],
    ]) {
      const values = ys.map((y, x) => `(${x}, ${y})`).join(', ');
      const reader = await conn.runAndReadAll(`SELECT regr_slope(y, x) AS s FROM (VALUES ${values}) t(x, y)`);
      expect(slopeOf(ys)).toBeCloseTo(Number(reader.getRowObjectsJS()[0]!.s), 12);
    }
    conn.closeSync();
    instance.closeSync();
  });

  it('does not alarm on a steady job, and report --check exits 0', async () => {
    const { dir, job } = jobFolder(300, {
      models: { primary: 'claude-haiku-4-5', escalation: null },
      golden: null,
    });
    for (const seed of [1, 2, 3]) expect((await night(dir, job, seed, 0)).alarms).toEqual([]);
    const check = await cliInProcess(['report', '--check', '--db', 'runs.duckdb'], dir);

    expect(check.stdout).toContain('ok: the latest run of each of 1 job raised no leading-signal alarm');
    expect(check.status).toBe(0);
  }, 120_000);
});

describe('run --scenario', () => {
  it('is refused with --live (a live run has no simulated world to put faults in): exit 2, nothing run', async () => {
    const { dir } = jobFolder(20);
    const result = await cliInProcess(
      [
        'run',
        'job.yaml',
        '--live',
        '--scenario',
        join(ROOT, 'examples', 'slow-drift', 'night-1.yaml'),
        '--db',
        'x.duckdb',
      ],
      dir,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--scenario puts faults in the simulated world; a live run has none');
    expect(existsSync(join(dir, 'x.duckdb'))).toBe(false);
  });
});
