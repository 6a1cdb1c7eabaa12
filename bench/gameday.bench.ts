/**
 * bench:gameday — the whole game day (`batchguard gameday`, every shipped scenario at its default
 * size) as a person runs it: a fresh process each time, wall-clock from spawn to exit. Targets on
 * a 2-core machine: the example job's under 5 s, and every other example job's (`--job`) under
 * 60 s. Prints each run's total, the slowest drills of the example's last run, and each target
 * with whether it is met.
 *
 *   npm run bench:gameday          # 3 runs of the example, then one of each other example job
 *   npm run bench:gameday -- 5     # 5 runs of the example
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/batchguard.js');
const runs = Number(process.argv[2] ?? 3);
const EXAMPLE_TARGET_S = 5;
const ANY_JOB_TARGET_S = 60;
/** The example the game day drills by default; the others are drilled with `--job`. */
const EXAMPLE = 'reviews';

interface Gameday {
  seconds: number;
  drills: { scenario: string; seconds: number }[];
}

/** One game day in a fresh process, on `job` (a job file) or the example. */
function gameday(job?: string): Gameday {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-bench-gameday-'));
  try {
    const started = performance.now();
    const args = [BIN, 'gameday', '--db', join(dir, 'gd.duckdb'), ...(job ? ['--job', job] : [])];
    const child = spawnSync(process.execPath, args, {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    const seconds = (performance.now() - started) / 1000;
    if (child.status !== 0)
      throw new Error(`gameday ${job ?? ''} exited ${child.status}:\n${child.stdout}\n${child.stderr}`);
    const drills = [...child.stdout.matchAll(/^\[drill\] (\S+): (?:PASS|FAIL) \((\d+\.\d) s\)$/gm)].map(
      (m) => ({ scenario: m[1]!, seconds: Number(m[2]) }),
    );
    return { seconds, drills };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const met = (seconds: number, target: number) =>
  `target < ${target} s: ${seconds < target ? 'met' : 'MISSED'}`;

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}`,
);
const totals: number[] = [];
let last: Gameday = { seconds: 0, drills: [] };
for (let run = 1; run <= runs; run++) {
  last = gameday();
  totals.push(last.seconds);
  console.log(`run ${run}: ${last.drills.length} drills, all passed, ${last.seconds.toFixed(1)} s`);
}
const sorted = [...totals].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
console.log(
  `game day (${EXAMPLE}): median ${median.toFixed(1)} s, best ${sorted[0]!.toFixed(1)} s, worst ${sorted.at(-1)!.toFixed(1)} s (${met(median, EXAMPLE_TARGET_S)})`,
);
console.log('slowest drills (last run):');
for (const d of [...last.drills].sort((a, b) => b.seconds - a.seconds).slice(0, 5))
  console.log(`  ${d.scenario.padEnd(32)} ${d.seconds.toFixed(1)} s`);

for (const name of readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
  .filter(
    (e) => e.isDirectory() && e.name !== EXAMPLE && existsSync(join(ROOT, 'examples', e.name, 'job.yaml')),
  )
  .map((e) => e.name)
  .sort()) {
  const job = join('examples', name, 'job.yaml');
  const { seconds, drills } = gameday(job);
  console.log(
    `game day (--job ${job}): ${drills.length} drills, ${seconds.toFixed(1)} s (${met(seconds, ANY_JOB_TARGET_S)})`,
  );
}
