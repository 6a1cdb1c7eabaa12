import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SinkRow } from '../src/drills/drill-facts.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { rollbackRun } from '../src/pipeline/run/rollback.js';
import { CRASH_POINTS, InjectedCrash } from '../src/pipeline/run/run-context.js';
import { type RunSummary, resumeRun, startRun } from '../src/pipeline/run/run-job.js';
import { type JobName, type LifecycleSystem, lifecycleSystem } from './support/lifecycle-system.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';

/*
 * Model-based test of the run lifecycle (fast-check `commands`): start a run (which may crash at
 * any step), resume a crashed one, roll one back, let time pass, with two jobs whose rows overlap
 * promoting into one sink, so one run's life can span another's. A small model (the sink as it
 * must be, and each run's state) is checked against the real database after every step.
 */

const FILE = 'test/lifecycle.model.test.ts';

interface ModelRun {
  job: JobName;
  runId: string;
  state: 'crashed' | 'done';
  status: string;
  /** The sink rows the run's promote replaced (null: the key was absent), by key. */
  before: Map<string, SinkRow | null> | null;
  rolledBack: boolean;
}

interface Model {
  runs: ModelRun[];
  sink: Map<string, SinkRow>;
}

type Real = LifecycleSystem;

/** The sink as the model says it must be, ordered by key. */
const expected = (m: Model) => [...m.sink.values()].sort((a, b) => (a.key < b.key ? -1 : 1));

/** The rows a finished run promoted, as sink rows (none unless it promoted). */
async function promotedRows(r: Real, run: ModelRun, summary: RunSummary): Promise<SinkRow[]> {
  run.state = 'done';
  run.status = summary.status;
  const disposed = await r.db.one<{ n: number; keys: number }>(
    'SELECT count(*)::INTEGER AS n, count(DISTINCT row_key)::INTEGER AS keys FROM dispositions WHERE run_id = ?',
    [run.runId],
  );
  if (summary.status !== 'refused')
    expect(disposed).toEqual({ n: r.keys[run.job].length, keys: r.keys[run.job].length });
  if (summary.status !== 'promoted') return [];
  const promoted = await r.db.all<{ row_key: string; output_json: string; custom_id: string }>(
    "SELECT row_key, output_json, custom_id FROM dispositions WHERE run_id = ? AND disposition = 'promoted'",
    [run.runId],
  );
  return promoted.map((p) => ({
    key: p.row_key,
    value: p.output_json,
    run_id: run.runId,
    custom_id: p.custom_id,
  }));
}

/** Apply a run's promote to the model's sink, remembering what it replaced. */
function applyPromote(sink: Map<string, SinkRow>, run: ModelRun, rows: readonly SinkRow[]): void {
  if (run.status !== 'promoted') return;
  run.before = new Map(rows.map((row) => [row.key, sink.get(row.key) ?? null]));
  for (const row of rows) sink.set(row.key, row);
}

/** After a run finished: its dispositions cover its source, and a promote is applied to the model. */
async function finished(m: Model, r: Real, run: ModelRun, summary: RunSummary): Promise<void> {
  applyPromote(m.sink, run, await promotedRows(r, run, summary));
}

class StartRun implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly job: JobName,
    readonly crash: { point: string; nth: number } | null,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    let reached = 0;
    r.env.crashPoint = (point) => {
      if (this.crash && point === this.crash.point && ++reached === this.crash.nth)
        throw new InjectedCrash(point);
    };
    const runs = await r.db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM runs');
    try {
      const summary = await startRun({
        db: r.db,
        env: r.env,
        job: r.jobs[this.job],
        mode: 'simulation',
        seed: 1,
      });
      const run: ModelRun = {
        job: this.job,
        runId: summary.runId,
        state: 'done',
        status: '',
        before: null,
        rolledBack: false,
      };
      m.runs.push(run);
      await finished(m, r, run, summary);
    } catch (error) {
      if (!(error instanceof InjectedCrash)) throw error;
      const run = await r.db.one<{ run_id: string }>('SELECT run_id FROM runs ORDER BY run_id DESC LIMIT 1');
      expect((await r.db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM runs'))!.n).toBe(runs!.n + 1);
      m.runs.push({
        job: this.job,
        runId: run!.run_id,
        state: 'crashed',
        status: 'running',
        before: null,
        rolledBack: false,
      });
      await r.reopen();
    } finally {
      r.env.crashPoint = undefined;
    }
    expect(await r.sink()).toEqual(expected(m));
  }
  toString = () =>
    `start ${this.job}${this.crash ? ` (crash at ${this.crash.point} #${this.crash.nth})` : ''}`;
}

class Resume implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.runs.some((run) => run.state === 'crashed');
  async run(m: Model, r: Real): Promise<void> {
    const crashed = m.runs.filter((run) => run.state === 'crashed');
    const run = crashed[this.pick % crashed.length]!;
    await finished(m, r, run, await resumeRun(r.db, run.runId, r.env));
    expect(await r.sink()).toEqual(expected(m));
  }
  toString = () => `resume crashed run #${this.pick}`;
}

class Rollback implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.runs.some((run) => run.status === 'promoted' && !run.rolledBack);
  async run(m: Model, r: Real): Promise<void> {
    const promoted = m.runs.filter((run) => run.status === 'promoted' && !run.rolledBack);
    const run = promoted[this.pick % promoted.length]!;
    let restored = 0;
    let removed = 0;
    let conflicts = 0;
    for (const [key, before] of run.before!) {
      if (m.sink.get(key)?.run_id !== run.runId)
        conflicts++; // a later run owns it now: left alone
      else if (before === null) {
        m.sink.delete(key);
        removed++;
      } else {
        m.sink.set(key, before);
        restored++;
      }
    }
    run.rolledBack = true;
    expect(await rollbackRun(r.db, run.runId, r.sim.clock)).toEqual({ restored, removed, conflicts });
    expect(await r.sink()).toEqual(expected(m));
  }
  toString = () => `rollback promoted run #${this.pick}`;
}

/**
 * Both jobs at once, each on its own connection to the one database (as two runs in one process
 * would be), with fast-check's scheduler choosing the order in which their API calls answer and
 * their sleeps wake: so their polls, result streams, gates and promotes interleave. Whatever the
 * interleaving, each run gives every row of its source one disposition, and the sink is as if the
 * two promotes had happened one after the other, in one order or the other (which then decides
 * each run's before-images, checked by any later rollback).
 */
class Overlap implements fc.AsyncCommand<Model, Real> {
  constructor(readonly scheduler: fc.Scheduler) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const s = this.scheduler;
    const env = {
      ...r.env,
      fetch: s.scheduleFunction(r.env.fetch),
      clock: {
        now: () => r.env.clock.now(),
        sleep: s.scheduleFunction((ms: number) => r.env.clock.sleep(ms)),
      },
    };
    const second = await RunDb.open(r.dbPath);
    const runs = (['A', 'B'] as const).map((job, i) =>
      startRun({ db: i === 0 ? r.db : second, env, job: r.jobs[job], mode: 'simulation', seed: 1 }),
    );
    let summaries: RunSummary[];
    try {
      summaries = await s.waitFor(Promise.all(runs));
    } finally {
      // If one run failed, the other may still wait on a scheduled call: let it finish too.
      await s.waitFor(Promise.allSettled(runs));
      second.close();
    }
    const both = summaries.map(
      (summary, i): ModelRun => ({
        job: i === 0 ? 'A' : 'B',
        runId: summary.runId,
        state: 'done',
        status: summary.status,
        before: null,
        rolledBack: false,
      }),
    );
    const rows = [
      await promotedRows(r, both[0]!, summaries[0]!),
      await promotedRows(r, both[1]!, summaries[1]!),
    ];
    const real = await r.sink();
    // The one order of the two promotes that explains the sink.
    const order = [
      [0, 1],
      [1, 0],
    ].find((o) => {
      const sink = new Map(m.sink);
      for (const i of o) applyPromote(sink, { ...both[i]! }, rows[i]!);
      return (
        JSON.stringify([...sink.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) === JSON.stringify(real)
      );
    });
    expect(order, 'the sink is the result of the two promotes in some order').toBeDefined();
    for (const i of order!) applyPromote(m.sink, both[i]!, rows[i]!);
    m.runs.push(...both);
    expect(real).toEqual(expected(m));
  }
  toString = () => `overlap A and B (${this.scheduler.report().length} tasks scheduled)`;
}

class AdvanceTime implements fc.AsyncCommand<Model, Real> {
  constructor(readonly hours: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    r.sim.clock.advance(this.hours * 3_600_000);
    expect(await r.sink()).toEqual(expected(m));
  }
  toString = () => `advance ${this.hours} h`;
}

const commands = [
  fc
    .tuple(
      fc.constantFrom<JobName>('A', 'B'),
      // Most runs finish; one in three crashes somewhere, to be resumed (or not) later.
      fc.oneof(
        { weight: 2, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.record({
            point: fc.constantFrom(...CRASH_POINTS),
            nth: fc.integer({ min: 1, max: 2 }),
          }),
        },
      ),
    )
    .map(([job, crash]) => new StartRun(job, crash)),
  fc.nat(3).map((pick) => new Resume(pick)),
  fc.nat(3).map((pick) => new Rollback(pick)),
  fc.integer({ min: 1, max: 48 }).map((hours) => new AdvanceTime(hours)),
  fc.scheduler().map((scheduler) => new Overlap(scheduler)),
];

describe('the run lifecycle, against a model', () => {
  it(
    'keeps the sink as the model says through starts, crashes, resumes, rollbacks and overlapping runs',
    async () => {
      await checkProperty(
        'lifecycle model',
        FILE,
        fc.asyncProperty(
          fc.integer({ min: 1, max: 1_000_000 }),
          fc.commands(commands, { maxCommands: 8, size: 'max', replayPath: process.env.FC_REPLAY_PATH }),
          async (seed, cmds) => {
            const system = await lifecycleSystem(seed);
            try {
              await fc.asyncModelRun(() => ({ model: { runs: [], sink: new Map() }, real: system }), cmds);
              if (process.env.DEBUG_MODEL) console.log(String(cmds));
            } finally {
              await system.dispose();
            }
          },
        ),
        15,
      );
    },
    propertyTimeout(900_000),
  );
});
