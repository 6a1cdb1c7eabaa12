/**
 * bench:pipeline — a job of N rows (default 1,000,000) end to end in simulation, beside its floor.
 *
 * The simulated API runs in its own process (`batchguard serve`, virtual time ×5000: a 100,000-row
 * batch ends in under a second, and the 29-day archive is 8 minutes away), so the figures are the
 * pipeline's own. Two measured runs, each in a fresh child process against a fresh world:
 *   floor     the same batches created, polled, and their results decoded by the SDK and appended
 *             bare into DuckDB: no plan, canary, gate, mapping, reconcile or promote;
 *   pipeline  `startRun` on the job in live mode against the server: every control.
 *
 * Both run with Node's default settings (no heap flag: what a user's `batchguard run` gets). The
 * targets printed beside the figures: pipeline / floor ≤ 1.5×, and a peak RSS under 1,024 MB for
 * each phase.
 *
 *   npm run bench:pipeline                        # 1,000,000 rows
 *   npm run bench:pipeline -- 200000              # a quicker size
 *   npm run bench:pipeline -- 10000000 --no-floor # the pipeline alone (the floor creates every
 *                                                 # batch before it polls, so the simulated
 *                                                 # server would hold all 10,000,000 requests)
 *   npm run bench:pipeline -- 10000000 --no-floor --against 1000000
 *                                                 # and 1,000,000 rows first: prints the larger
 *                                                 # run's peak RSS and time a row against the
 *                                                 # smaller's (targets: ≤ 10 % more, ≤ 1.25×)
 *
 *   npm run bench:pipeline -- 1000000 --no-floor --nights 3
 *                                                 # the same job run three times into one
 *                                                 # database, as a nightly job's database fills:
 *                                                 # each night's time, peak RSS and file size
 *                                                 # against the first night's (targets: ≤ 1.25×
 *                                                 # the time, ≤ 10 % more memory), then the
 *                                                 # HTML dashboard over every night
 *
 * BENCH_HEAP_MB=N passes --max-old-space-size=N to the children, to try a heap limit;
 * BENCH_NODE_FLAGS passes any other Node flags to them (`--cpu-prof --cpu-prof-dir=DIR` to see
 * where a phase's time goes).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, startServe } from '../test/support/serve-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const withFloor = !args.includes('--no-floor');
/** `--against N`: the pipeline on N rows too, to judge this size's memory and time per row against. */
const againstAt = args.indexOf('--against');
const against = againstAt === -1 ? null : Number(args[againstAt + 1]);
if (against !== null && !(Number.isInteger(against) && against > 0))
  throw new Error('--against takes a number of rows, as in --against 1000000');
/** `--nights N`: the pipeline N times into one database, as a job run every night. */
const nightsAt = args.indexOf('--nights');
const nights = nightsAt === -1 ? 1 : Number(args[nightsAt + 1]);
if (!(Number.isInteger(nights) && nights > 0))
  throw new Error('--nights takes a number of runs, as in --nights 3');
const optionValues = new Set([againstAt, nightsAt].filter((at) => at !== -1).map((at) => at + 1));
const rows = Number(args.find((a, i) => !a.startsWith('--') && !optionValues.has(i)) ?? 1_000_000);
/** The targets of issue 18's parts 3 and 4. */
const RATIO_MAX = 1.5;
const RSS_MB_MAX = 1024;
/** Part 4: a larger run's peak RSS within 10 % of a smaller one's, */
const RSS_GROWTH_MAX = 1.1;
/**
 * and its time per row within a quarter of the smaller's: "linear" on a machine whose speed moves
 * by tens of percent within an hour. Time growing with the square of the rows would be ten times
 * as much per row at ten times the rows.
 */
const PER_ROW_GROWTH_MAX = 1.25;

async function measured(phase: 'floor' | 'pipeline', dir: string) {
  const served = await startServe(['--time-scale', '5000', '--seed', '1']);
  try {
    const child = spawnSync(
      process.execPath,
      [
        ...(process.env.BENCH_HEAP_MB ? [`--max-old-space-size=${process.env.BENCH_HEAP_MB}`] : []),
        ...(process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
        '--import',
        'tsx',
        join(ROOT, 'bench/pipeline-child.ts'),
        phase,
        dir,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ANTHROPIC_BASE_URL: served.url, ANTHROPIC_API_KEY: 'bench' },
        maxBuffer: 1 << 26,
        // BENCH_TRACE=1: the child's trace (each log entry with the memory) shows as it runs.
        stdio: ['ignore', 'pipe', process.env.BENCH_TRACE ? 'inherit' : 'pipe'],
      },
    );
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('{'))
      throw new Error(`${phase} failed (${child.status}):\n${child.stdout}\n${child.stderr}`);
    return JSON.parse(line) as {
      seconds: number;
      peakRssMb: number;
      peakHeapMb: number;
      peakExternalMb: number;
      rows: number;
      status?: string;
      steps?: Record<string, number>;
      batchStages?: Record<string, number>;
      mainBatches?: number;
    };
  } finally {
    served.child.kill('SIGINT');
  }
}

const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** A folder with a job of `size` rows of the reviews dataset, as the bench runs it. */
function prepare(size: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-bench-'));
  const gen = spawnSync(
    process.execPath,
    [
      BIN,
      'dataset',
      'reviews',
      '--rows',
      String(size),
      '--seed',
      '1',
      '--out',
      join(dir, 'reviews.csv'),
      '--golden',
      join(dir, 'golden.jsonl'),
    ],
    { encoding: 'utf8' },
  );
  if (gen.status !== 0) throw new Error(`dataset failed: ${gen.stderr}`);
  copyFileSync(join(ROOT, 'examples/reviews/output.schema.json'), join(dir, 'output.schema.json'));
  writeFileSync(
    join(dir, 'job.yaml'),
    [
      'name: bench',
      'source: reviews.csv',
      'key: id',
      `template: ${JSON.stringify(spawnSync(process.execPath, ['-e', "const y=require('yaml');console.log(y.parse(require('fs').readFileSync('examples/reviews/job.yaml','utf8')).template)"], { cwd: ROOT, encoding: 'utf8' }).stdout.trimEnd())}`,
      'schema: output.schema.json',
      'models: {primary: claude-haiku-4-5, escalation: claude-sonnet-4-5}',
      'max_tokens: 200',
      `cost_ceiling_usd: ${Math.ceil(size * 0.005)}`,
      'golden: golden.jsonl',
      // The job file's least (1 s); the child polls every 0.2 s, as the floor does.
      'poll_interval_seconds: 1',
      'max_in_flight: 4',
    ].join('\n'),
  );
  return dir;
}

const dir = prepare(rows);
let againstDir: string | null = null;
try {
  againstDir = against === null ? null : prepare(against);
  console.log(
    `bench:pipeline, ${rows.toLocaleString('en-US')} rows, on ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const floor = withFloor ? await measured('floor', dir) : null;
  const smaller = againstDir ? await measured('pipeline', againstDir) : null;
  const pipeline = await measured('pipeline', dir);
  const later: { seconds: number; peakRssMb: number; mb: number; status?: string }[] = [];
  const fileMb = () => Math.round(statSync(join(dir, 'pipeline.duckdb')).size / 2 ** 20);
  const firstMb = fileMb();
  let failedNight: string | null = null;
  for (let night = 2; night <= nights && failedNight === null; night++) {
    try {
      later.push({ ...(await measured('pipeline', dir)), mb: fileMb() });
    } catch (error) {
      const said = String((error as Error).message)
        .split('\n')
        .find((line) => /Error\b/.test(line) && !line.includes('failed ('));
      failedNight = `night ${night}: FAILED, ${(said ?? String(error)).trim().slice(0, 300)}`;
    }
  }
  const row = (name: string, r: typeof pipeline) =>
    `${name.padEnd(9)} ${r.seconds.toFixed(1).padStart(7)} s ${Math.round(r.rows / r.seconds)
      .toLocaleString('en-US')
      .padStart(
        9,
      )} rows/s   peak RSS ${String(r.peakRssMb).padStart(5)} MB   peak heap ${String(r.peakHeapMb).padStart(5)} MB   peak buffers ${String(r.peakExternalMb).padStart(5)} MB${r.status ? `   ${r.status}` : ''}`;
  if (floor) console.log(row('floor', floor));
  if (smaller)
    console.log(
      row(smaller.rows >= 1e6 ? `${smaller.rows / 1e6}M rows` : `${smaller.rows / 1e3}k rows`, smaller),
    );
  console.log(row('pipeline', pipeline));
  const seconds = (entries: Record<string, number>) =>
    Object.entries(entries)
      .map(([name, s]) => `${name} ${s.toFixed(2)} s`)
      .join(', ');
  if (pipeline.steps) console.log(`pipeline steps: ${seconds(pipeline.steps)}`);
  if (pipeline.batchStages)
    console.log(
      `a main-round batch, on average over ${pipeline.mainBatches}: ${seconds(pipeline.batchStages)} (chunk: its rows read and mapping written; end: until a poll finds it ended)`,
    );
  const rss = (r: typeof pipeline) => `${r.peakRssMb} MB ${met(r.peakRssMb < RSS_MB_MAX)}`;
  const ratio = floor ? pipeline.seconds / floor.seconds : null;
  console.log(
    [
      ratio === null
        ? 'pipeline / floor: not measured (--no-floor)'
        : `pipeline / floor: ${ratio.toFixed(2)}× (target ≤ ${RATIO_MAX}×: ${met(ratio <= RATIO_MAX)})`,
      `peak RSS (target < ${RSS_MB_MAX} MB each): pipeline ${rss(pipeline)}${floor ? `, floor ${rss(floor)}` : ''}`,
    ].join('; '),
  );
  if (smaller) {
    const rssGrowth = pipeline.peakRssMb / smaller.peakRssMb;
    const perRow = pipeline.seconds / pipeline.rows / (smaller.seconds / smaller.rows);
    const perMillion = (r: typeof pipeline) => `${((r.seconds / r.rows) * 1e6).toFixed(1)} s a million`;
    console.log(
      `against ${smaller.rows.toLocaleString('en-US')} rows: peak RSS ${pipeline.peakRssMb} against ${smaller.peakRssMb} MB, ${Math.abs((rssGrowth - 1) * 100).toFixed(1)} % ${rssGrowth >= 1 ? 'more' : 'less'} (target ≤ ${Math.round((RSS_GROWTH_MAX - 1) * 100)} %: ${met(rssGrowth <= RSS_GROWTH_MAX)}); time ${perMillion(pipeline)} against ${perMillion(smaller)}, ${perRow.toFixed(2)}× a row (target linear, ≤ ${PER_ROW_GROWTH_MAX}×: ${met(perRow <= PER_ROW_GROWTH_MAX)})`,
    );
  }
  if (nights > 1) {
    // A team's nightly job: every run stays in the database (reports, trends and rollback read
    // them), so each night's queries run over more rows than the last's.
    const night = (n: number, r: { seconds: number; peakRssMb: number; status?: string }, mb: number) =>
      `night ${n}: ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMb} MB, database ${mb} MB after it${r.status ? `, ${r.status}` : ''}`;
    console.log(night(1, pipeline, firstMb));
    for (const [i, r] of later.entries()) console.log(night(i + 2, r, r.mb));
    if (failedNight !== null) {
      console.log(failedNight);
      console.log(`night after night: a run failed (target: every night runs: MISSED)`);
    }
    // What the team reads the next morning: the dashboard over every night so far.
    const started = performance.now();
    const report = spawnSync(
      process.execPath,
      [BIN, 'report', '--db', join(dir, 'pipeline.duckdb'), '--format', 'html', '--out', join(dir, 'r.html')],
      { encoding: 'utf8' },
    );
    console.log(
      report.status === 0
        ? `the HTML dashboard over ${later.length + 1} nights: ${((performance.now() - started) / 1000).toFixed(1)} s`
        : `the HTML dashboard over ${later.length + 1} nights: FAILED, ${report.stderr.trim().split('\n')[0]}`,
    );
    const last = later.at(-1);
    if (last) {
      const slower = last.seconds / pipeline.seconds;
      const heavier = last.peakRssMb / pipeline.peakRssMb;
      console.log(
        `night ${later.length + 1} against night 1: ${slower.toFixed(2)}× the time (target ≤ ${PER_ROW_GROWTH_MAX}×: ${met(slower <= PER_ROW_GROWTH_MAX)}), peak RSS ${Math.abs((heavier - 1) * 100).toFixed(1)} % ${heavier >= 1 ? 'more' : 'less'} (target ≤ ${Math.round((RSS_GROWTH_MAX - 1) * 100)} %: ${met(heavier <= RSS_GROWTH_MAX)})`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (againstDir) rmSync(againstDir, { recursive: true, force: true });
}
