import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { UsageError } from '../core/errors.js';
import { removeScratch, scratchFolder } from '../core/scratch-folder.js';
import { OutOfMemoryError, RunDb } from '../pipeline/db/run-db.js';
import type { Job } from '../pipeline/job/job.js';
import { loadJob, parseJob } from '../pipeline/job/load-job.js';
import { templateColumns } from '../pipeline/prompt/render-request.js';
import { sourceReader, sourceRowsSql } from '../pipeline/run/source-reader.js';
import { generateReviews } from '../sim/datasets/reviews-dataset.js';
import type { DatasetFormat } from '../sim/datasets/write-dataset.js';
import type { DrillRow } from '../sim/faults/world-fault.js';

/** The shipped example job, which drills run when no job is named. */
export const EXAMPLE_JOB = fileURLToPath(new URL('../../examples/reviews/job.yaml', import.meta.url));

/** Rows a drill runs when neither the scenario nor `--sample` says: enough for a 2 % canary of 20. */
export const SAMPLE_DEFAULT = 1000;

/**
 * The job a drill runs, before the scenario's keys and faults: the shipped example (its rows
 * generated from the seed, ground truth and all) or a team's own job file (its rows a seeded
 * sample of the team's source). Drills never write to it: they run on a scratch copy.
 */
export interface DrillBase {
  /** How commands name the job (`--job <display>`); null for the shipped example. */
  display: string | null;
  /** The job file, absolute: relative paths in it start from its folder. */
  path: string;
  /** The job file's keys as written. */
  raw: Record<string, unknown>;
  /** The job as loaded (schema resolved, defaults filled). */
  job: Job;
  /** The source's columns, in the file's order. */
  columns: string[];
  /** Rows in the job's own source, and golden rows in its golden file: the run the ceiling was set for. */
  sourceRows: number;
  goldenRows: number;
  /** `--sample N`: rows every drill runs, whatever its scenario says. */
  sample?: number;
  /** The format the drill's scratch copy of the source is written in. */
  format: DatasetFormat;
  /** Whether drills generate their rows (the example: ground truth known) or sample the team's. */
  generated: boolean;
  /** `count` rows for a drill at `seed` (the same seed, the same rows). */
  rows(seed: number, count: number): Promise<DrillRow[]>;
}

let example: DrillBase | undefined;

/** The shipped example job, its rows generated (reviews with their true labels). */
export function exampleBase(): DrillBase {
  example ??= exampleBaseOf(parseJob(readFileSync(EXAMPLE_JOB, 'utf8'), EXAMPLE_JOB));
  return example;
}

function exampleBaseOf(job: Job): DrillBase {
  const lines = (path: string) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length;
  return {
    display: null,
    path: EXAMPLE_JOB,
    raw: YAML.parse(readFileSync(EXAMPLE_JOB, 'utf8')) as Record<string, unknown>,
    job,
    columns: Object.keys([...generateReviews(1, 1)][0]!.row),
    sourceRows: lines(job.source.path) - 1,
    goldenRows: job.golden.path ? lines(job.golden.path) : 0,
    format: 'csv',
    generated: true,
    rows: async (seed, count) => [...generateReviews(seed, count)],
  };
}

/**
 * A team's own job file as drills run it: loaded and checked like `run` checks it (a bad job
 * or a source without the key or a template column is refused, exit 2, before any drill), its
 * source's columns and size read once. Rows are sampled per drill, streamed from the source.
 */
export async function jobBase(file: string, sample?: number): Promise<DrillBase> {
  const path = resolve(file);
  const job = await loadJob(file);
  const raw = YAML.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const columns = await withScratchDb(
    async (db) =>
      (await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${sourceReader(job.source)}`)).map(
        (c) => c.column_name,
      ),
    job,
  );
  const missing = [job.key, ...templateColumns(job.template)].filter(
    (c, i, all) => !columns.includes(c) && all.indexOf(c) === i,
  );
  if (missing.length > 0)
    throw new UsageError(
      'missing_column',
      `Failed to drill job ${file}: its source has no column ${missing.map((c) => `"${c}"`).join(', ')} (it has ${columns.join(', ')}).`,
      'Fix `key` or the template placeholders in the job file, or the source file; no drill ran.',
    );
  const facts = {
    columns,
    count: await withScratchDb(
      async (db) =>
        (await db.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (${sourceRowsSql(job)})`))?.n ?? 0,
      job,
    ),
  };
  if (facts.count === 0)
    throw new UsageError(
      'empty_source',
      `Failed to drill job ${file}: its source ${job.source.path} has no rows.`,
      'Point `source` at the file the job reads; no drill ran.',
    );
  const goldenRows = job.golden.path
    ? readFileSync(job.golden.path, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length
    : 0;
  return {
    display: displayPath(file),
    path,
    raw,
    job,
    columns: facts.columns,
    sourceRows: facts.count,
    goldenRows,
    sample,
    format: job.source.format === 'csv' ? 'csv' : 'jsonl',
    generated: false,
    rows: (seed, count) => sampleRows(job, seed, count),
  };
}

/**
 * A seeded sample of `count` source rows, ordered by key: the rows whose md5 of (seed, key) sorts
 * first, so the same seed picks the same rows and any seed an even spread. DuckDB streams the
 * source and keeps only the sample.
 */
async function sampleRows(job: Job, seed: number, count: number): Promise<DrillRow[]> {
  const picked = await withScratchDb(
    (db) =>
      db.all<{ row_json: string }>(
        `SELECT row_key, row_json FROM (
           SELECT row_key, row_json FROM (${sourceRowsSql(job)})
           ORDER BY md5(? || ':' || row_key), row_key LIMIT ${Math.max(0, Math.floor(count))}
         ) ORDER BY row_key`,
        [String(seed)],
      ),
    job,
  );
  return picked.map((p) => ({ row: JSON.parse(p.row_json) as Record<string, unknown>, injected: false }));
}

/** A throwaway DuckDB file for reading the team's source: never the job's own database. */
async function withScratchDb<T>(body: (db: RunDb) => Promise<T>, job: Job): Promise<T> {
  const dir = scratchFolder('batchguard-drill-source-');
  const path = join(dir, 'source.duckdb');
  const db = await RunDb.open(path);
  try {
    return await body(db);
  } catch (error) {
    // DuckDB out of memory is no fault of the source: say what it is.
    if (error instanceof OutOfMemoryError) throw error;
    throw new UsageError(
      'bad_source',
      `Failed to read source ${job.source.path}: ${(error as Error).message.split('\n')[0]}.`,
      'Check that `batchguard run` reads this job; no drill ran.',
    );
  } finally {
    db.close();
    await RunDb.release(path, { discard: true });
    removeScratch(dir);
  }
}

/** A path as a person would type it from the working folder. */
function displayPath(file: string): string {
  const fromHere = relative(process.cwd(), resolve(file));
  const shown = fromHere.startsWith('..') ? resolve(file) : fromHere;
  return shown.includes(' ') ? JSON.stringify(shown) : shown;
}
