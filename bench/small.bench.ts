/**
 * bench:small — the example job (1,000 rows, its own canary and golden set, no fault) run through
 * the whole pipeline in simulation, many times in one process: what every drill, property case
 * and soak run pays. Each run builds its world and database, runs, and removes them, as a drill
 * does. Prints runs per second, wall and CPU per run, and DuckDB statements and transactions per
 * run, then the same runs two at a time, as the game day runs its drills.
 *
 * The target is three times the runs per second of the code before this benchmark (43ca852) on
 * the same machine, so the verdict comes from measuring that build too: its tree is taken from
 * this checkout's git history (at BASE, the benchmark's first commit: 43ca852 with the statement
 * counters), and the two builds run in turn, in fresh processes, ROUNDS times. A figure from
 * another day or another machine is no baseline: this project's machines have differed by two
 * times in speed.
 *
 *   npm run bench:small                  # 30 runs, then 3 rounds of 20 runs of each build
 *   npm run bench:small -- 60            # 60 runs, and rounds of 60
 *   npm run bench:small -- --no-base     # this build only, with no verdict
 *   npm run bench:small -- --profile     # and the statements that took the most time, per run
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseRun } from '../src/drills/soak/case-run.js';
import { DB_COUNTS, RunDb } from '../src/pipeline/db/run-db.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const given = args.find((a) => !a.startsWith('--'));
const runs = Number(given ?? 30);
const profile = args.includes('--profile') ? timeStatements() : undefined;
/** A child of the A/B below: the runs, one at a time, and nothing else. */
const alone = args.includes('--alone');
const withBase = !alone && !profile && !args.includes('--no-base');
const WARMUP = 3;
/** The build the target was set against: 43ca852, with `RunDb` counting its statements. */
const BASE = 'f1d1642';
const ROUNDS = 3;
const ROUND_RUNS = given === undefined ? 20 : runs;
const TARGET_RATIO = 3;

async function once(seed: number): Promise<string> {
  const run = await caseRun({ seed, rows: 1000, goldenRows: 60, faults: [], httpRate: 0 }, { job: {} });
  try {
    return (await run.run()).status;
  } finally {
    await run.dispose();
  }
}

if (!alone)
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}`,
  );
for (let i = 0; i < WARMUP; i++) await once(1000 + i);
profile?.clear();
const counts = { ...DB_COUNTS };
const cpu = process.cpuUsage();
const started = performance.now();
const statuses = new Map<string, number>();
for (let i = 0; i < runs; i++) {
  const status = await once(i + 1);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const perRun = (n: number) => (n / runs).toFixed(0);
const rate = runs / seconds;
console.log(`runs: ${runs} (${[...statuses].map(([s, n]) => `${n} ${s}`).join(', ')})`);
console.log(`wall per run: ${((seconds / runs) * 1000).toFixed(0)} ms`);
console.log(`CPU per run: ${((used.user + used.system) / 1000 / runs).toFixed(0)} ms`);
console.log(
  `DuckDB per run: ${perRun(DB_COUNTS.statements - counts.statements)} statements, ${perRun(DB_COUNTS.transactions - counts.transactions)} transactions`,
);
console.log(`runs per second: ${rate.toFixed(2)}`);
if (!profile && !alone) {
  // The same runs two at a time in this process, as `gameday` runs its drills: a run waits on
  // DuckDB about half its time, which another run can use. Beside the target, not judged by it.
  const pairStarted = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < runs) await once(++next);
  };
  await Promise.all([lane(), lane()]);
  const pairRate = runs / ((performance.now() - pairStarted) / 1000);
  console.log(
    `runs per second, two at a time (as gameday's drills): ${pairRate.toFixed(2)} (${(pairRate / rate).toFixed(2)}× one at a time)`,
  );
}
if (withBase) againstBase();
if (profile) {
  const rows = [...profile].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, e]) => sum + e.ms, 0);
  console.log(
    `\ntime in statements per run: ${(total / runs).toFixed(0)} ms (a stream's includes its reader's); the top 25:`,
  );
  for (const [sql, e] of rows.slice(0, 25))
    console.log(`${(e.ms / runs).toFixed(1).padStart(7)} ms ${(e.n / runs).toFixed(1).padStart(5)}×  ${sql}`);
}

/** Time every statement RunDb runs, keyed by its first 100 characters. */
function timeStatements(): Map<string, { n: number; ms: number }> {
  const spent = new Map<string, { n: number; ms: number }>();
  const note = (sql: string, since: number) => {
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 100);
    const entry = spent.get(key) ?? { n: 0, ms: 0 };
    entry.n++;
    entry.ms += performance.now() - since;
    spent.set(key, entry);
  };
  const { exec, all, stream } = RunDb.prototype;
  RunDb.prototype.exec = async function (this: RunDb, sql, params) {
    const since = performance.now();
    try {
      return await exec.call(this, sql, params);
    } finally {
      note(sql, since);
    }
  };
  RunDb.prototype.all = async function <T>(this: RunDb, sql: string, params?: Parameters<RunDb['all']>[1]) {
    const since = performance.now();
    try {
      return await all.call<RunDb, [string, typeof params], Promise<T[]>>(this, sql, params);
    } finally {
      note(sql, since);
    }
  };
  RunDb.prototype.stream = async function* <T>(
    this: RunDb,
    sql: string,
    params?: Parameters<RunDb['stream']>[1],
  ) {
    const since = performance.now();
    try {
      yield* stream.call<RunDb, [string, typeof params], AsyncGenerator<T[]>>(this, sql, params);
    } finally {
      note(sql, since);
    }
  };
  return spent;
}

/**
 * The target's verdict: this build against BASE on this machine, each in a fresh process, in turn
 * (base first, then this build) ROUNDS times, so that a machine speeding up or slowing down
 * moves both. Judged on the medians of the rounds.
 */
function againstBase(): void {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-bench-base-'));
  try {
    // The base's tree from the history, with this checkout's packages (BASE's lock file names
    // the same versions).
    const tree = spawnSync('sh', ['-c', `git -C "${ROOT}" archive ${BASE} | tar -x -C "${dir}"`], {
      encoding: 'utf8',
    });
    if (tree.status !== 0) {
      console.log(
        `\nagainst the base build: not judged. ${BASE} is not in this checkout's git history (${tree.stderr.trim()}); run the benchmark in a clone of the repository.`,
      );
      return;
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    console.log(
      `\nagainst the base build (${BASE}: 43ca852, the code the target was set against), ${ROUNDS} rounds of ${ROUND_RUNS} runs each, in turn:`,
    );
    const rates = { base: [] as number[], now: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      rates.base.push(childRate(dir, []));
      rates.now.push(childRate(ROOT, ['--alone']));
      console.log(
        `  round ${round}: this build ${rates.now.at(-1)!.toFixed(2)} runs/s, the base ${rates.base.at(-1)!.toFixed(2)} runs/s`,
      );
    }
    const ratio = median(rates.now) / median(rates.base);
    console.log(
      `runs per second against the base: ${ratio.toFixed(2)}× (medians ${median(rates.now).toFixed(2)} and ${median(rates.base).toFixed(2)}; target ≥ ${TARGET_RATIO}×: ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs per second of the benchmark in `root`, run in a fresh process for ROUND_RUNS runs. */
function childRate(root: string, extra: string[]): number {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/small.bench.ts', String(ROUND_RUNS), ...extra],
    { cwd: root, encoding: 'utf8' },
  );
  const rate = /runs per second: ([\d.]+)/.exec(child.stdout)?.[1];
  if (child.status !== 0 || rate === undefined)
    throw new Error(`bench:small in ${root} exited ${child.status}:\n${child.stdout}\n${child.stderr}`);
  return Number(rate);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
