/**
 * bench:gameday — the whole game day (`batchguard gameday`, every shipped scenario at its default
 * size) as a person runs it: a fresh process each time, wall-clock from spawn to exit. Target:
 * under 60 s on a 2-core machine. Prints each run's total and the slowest drills of the last one.
 *
 *   npm run bench:gameday          # 3 runs
 *   npm run bench:gameday -- 5     # 5 runs
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/batchguard.js');
const runs = Number(process.argv[2] ?? 3);
const TARGET_S = 60;

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}`,
);
const totals: number[] = [];
let drills: { scenario: string; seconds: number }[] = [];
for (let run = 1; run <= runs; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-bench-gameday-'));
  try {
    const started = performance.now();
    const child = spawnSync(process.execPath, [BIN, 'gameday', '--db', join(dir, 'gd.duckdb')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    const seconds = (performance.now() - started) / 1000;
    if (child.status !== 0)
      throw new Error(`gameday exited ${child.status}:\n${child.stdout}\n${child.stderr}`);
    totals.push(seconds);
    drills = [...child.stdout.matchAll(/^\[drill\] (\S+): (?:PASS|FAIL) \((\d+\.\d) s\)$/gm)].map((m) => ({
      scenario: m[1]!,
      seconds: Number(m[2]),
    }));
    console.log(`run ${run}: ${drills.length} drills, all passed, ${seconds.toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const sorted = [...totals].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)]!;
console.log(
  `game day: median ${median.toFixed(1)} s, best ${sorted[0]!.toFixed(1)} s, worst ${sorted.at(-1)!.toFixed(1)} s (target < ${TARGET_S} s: ${sorted.at(-1)! < TARGET_S ? 'met' : 'MISSED'})`,
);
console.log('slowest drills (last run):');
for (const d of [...drills].sort((a, b) => b.seconds - a.seconds).slice(0, 5))
  console.log(`  ${d.scenario.padEnd(32)} ${d.seconds.toFixed(1)} s`);
