import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRfc3339 } from '../src/core/rfc3339.js';
import {
  billing,
  finished,
  type KillMoment,
  liveProcess,
  runRecord,
  worldBatches,
} from './support/live-crash.js';
import { jobFolder } from './support/pipeline-harness.js';
import { startServe } from './support/serve-process.js';

/*
 * The crash harness for live mode: the real CLI in its own process against a real `serve` whose
 * clock is hours off this machine's, killed with SIGKILL at a moment of its run, then resumed;
 * meanwhile a second run of the same job, in another database, shares the same API. After each,
 * the world's ground truth must show no batch created twice, no batch adopted by the wrong run,
 * every row accounted for, and no more spent than the run beside it that never crashed.
 */

const MOMENTS: KillMoment[] = [
  { name: 'at the canary create intent', line: /submit +create_batch submission_id=s0001,/ },
  { name: 'just after the canary batch is created', line: /batch_created submission_id=s0001,/ },
  { name: 'at the main create intent', line: /submit +create_batch submission_id=s0002,/ },
  { name: 'when a batch has ended', line: /batch_ended/ },
  { name: 'when the main phase starts', line: /entered state=main$/m },
  { name: 'at reconcile', line: /entered state=reconcile$/m },
  { name: 'after 2.5 s', afterMs: 2_500 },
  { name: 'after 4 s', afterMs: 4_000 },
];
/** The world's clock against this machine's: hours behind, and hours ahead. */
const SKEWS_HOURS = [-7, 5];

/** Every moment at both skews under test:deep (16 cases); one in the everyday suite, for time. */
const cases =
  process.env.BATCHGUARD_DEEP === '1'
    ? SKEWS_HOURS.flatMap((skew) => MOMENTS.map((moment) => ({ moment, skew })))
    : [{ moment: MOMENTS[2]!, skew: 5 }];

describe('live mode, killed with SIGKILL and resumed, beside another run on the same API', () => {
  const serves: ChildProcess[] = [];
  afterAll(() => {
    for (const child of serves) child.kill('SIGINT');
  });

  for (const { moment, skew } of cases) {
    it(`bills nothing twice and adopts nothing of the other run: killed ${moment.name}, world clock ${skew > 0 ? '+' : ''}${skew} h`, async () => {
      const start = formatRfc3339(Date.now() + skew * 3600_000);
      const served = await startServe(['--time-scale', '1500', '--start', start]);
      serves.push(served.child);
      const { dir } = jobFolder(150, 'poll_interval_seconds: 1');
      const runArgs = (db: string) => ['run', 'job.yaml', '--live', '--yes', '--db', db];
      const [crashed, beside] = await Promise.all([
        finished(liveProcess(runArgs('crashed.duckdb'), dir, served.url), moment),
        finished(liveProcess(runArgs('beside.duckdb'), dir, served.url)),
      ]);
      expect(crashed.signal, crashed.out).toBe('SIGKILL');
      expect(beside.code, beside.out).toBe(0);

      const before = await runRecord(join(dir, 'crashed.duckdb')).catch(() => null);
      if (before && before.state !== 'done') {
        const resumed = await finished(
          liveProcess(['resume', before.run_id, '--db', 'crashed.duckdb'], dir, served.url),
        );
        expect(resumed.code, resumed.out).toBe(0);
      } else if (!before) {
        // Killed before its run was recorded: nothing was sent; run it again from the start.
        const again = await finished(liveProcess(runArgs('crashed.duckdb'), dir, served.url));
        expect(again.code, again.out).toBe(0);
      }

      const runs = [
        await runRecord(join(dir, 'crashed.duckdb')),
        await runRecord(join(dir, 'beside.duckdb')),
      ];
      const world = await worldBatches(served.url);
      const bill = await billing(served.url);
      for (const run of runs) {
        expect(run.status).toBe('promoted');
        expect(run.rows.disposed).toBe(run.rows.source); // every row accounted, once
        expect(run.rows.once).toBe(run.rows.source);
        // Every batch carrying this run's ids is one its database recorded, and only its own.
        const made = world.filter((b) => b.tags.includes(run.tag)).map((b) => b.id);
        expect(made.sort()).toEqual(run.batches.map((b) => b.batch_id).sort());
        for (const b of run.batches) expect(world.find((w) => w.id === b.batch_id)?.tags).toEqual([run.tag]);
      }
      expect(world).toHaveLength(runs[0]!.batches.length + runs[1]!.batches.length);
      const spent = runs.map((run) => run.batches.reduce((sum, b) => sum + (bill.get(b.batch_id) ?? 0), 0));
      // The two runs differ only in their tags (and so their fences); allow for the answers' spread.
      expect(spent[0]).toBeLessThanOrEqual(spent[1]! * 1.2);
      served.child.kill('SIGINT');
    }, 240_000);
  }
});

describe('halt of a live run that another process holds', () => {
  let serve: ChildProcess | undefined;
  afterAll(() => serve?.kill('SIGINT'));

  it('reaches the running process: it cancels its batches in flight, marks the run halted and exits 1', async () => {
    const served = await startServe(['--time-scale', '1']); // real time: the canary batch stays in flight
    serve = served.child;
    const { dir } = jobFolder(150, 'poll_interval_seconds: 1');
    const running = liveProcess(
      ['run', 'job.yaml', '--live', '--yes', '--db', 'runs.duckdb'],
      dir,
      served.url,
    );
    let out = '';
    const created = new Promise<string>((resolve) =>
      running.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const id = /batch_created submission_id=s0001, batch_id=(\w+)/.exec(out)?.[1];
        if (id) resolve(id);
      }),
    );
    const ran = finished(running);
    const batchId = await created;
    const runId = /run (run-\d{8}T\d{6}-[0-9a-f]{6}) started/.exec(out)?.[1];
    expect(runId).toBeDefined();

    const halt = await finished(liveProcess(['halt', runId!, '--db', 'runs.duckdb'], dir, served.url));
    const run = await ran;

    expect(run.code, run.out).toBe(1);
    expect(run.out).toContain(`Run ${runId} halted by \`batchguard halt\``);
    expect(halt.code, halt.out).toBe(0);
    expect(halt.out).toContain(
      `halted ${runId}: it will not continue or promote; 1 of 1 batches in flight canceled`,
    );
    const record = await runRecord(join(dir, 'runs.duckdb'));
    expect(record).toMatchObject({ state: 'done', status: 'halted' });
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
    const batch = (await (
      await fetch(`${served.url}/v1/messages/batches/${batchId}`, { headers })
    ).json()) as {
      cancel_initiated_at: string | null;
    };
    expect(batch.cancel_initiated_at).not.toBeNull();
  }, 120_000);
});
