import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { exportRows, runExists } from '../pipeline/report/export-rows.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { checkOutputPath } from './output-file.js';
import { withArgs } from './parse-command.js';
import { outputTarget } from './write-path.js';

/**
 * `batchguard export`: a run's rows of one disposition (or all of them) to a CSV, JSONL or
 * Parquet file, written by DuckDB's own COPY, one row per source row, golden rows left out.
 * Columns: key, disposition, reason, custom_id, output, source_row (see EXPORT_COLUMNS in
 * src/pipeline/report/export-rows.ts). Every input is checked before anything is written, and the
 * file appears whole or not at all: DuckDB writes a stage beside it, renamed over it once whole.
 */
export const exportCommand = withArgs('export', async ({ values, positional: runId }, io) => {
  const { rows, format, out } = values;
  checkOutputPath('--out', out, { db: values.db ?? DEFAULT_DB });
  const db = await openDb(values.db, true);
  try {
    if (!(await runExists(db, runId)))
      throw new UsageError(
        'unknown_run',
        `Failed to export ${runId}: no such run in ${db.path}.`,
        'Run `batchguard report` to list the runs.',
      );
    const n = await writeStaged(out, (stage) => exportRows(db, runId, rows, format, stage));
    io.out(`exported ${n} rows (${rows}) of ${runId} to ${out}`);
    return 0;
  } finally {
    db.close();
  }
});

let stages = 0;

/**
 * Have `write` write the file at `path`, through a stage: a file of its own name beside the one
 * it replaces (the target of a symbolic link, so the link stays a link), created exclusively so
 * it replaces nothing, synced and renamed over the target once `write` has returned. If `write`
 * fails, the stage is removed and any old file is left as it was.
 */
async function writeStaged<T>(path: string, write: (stage: string) => Promise<T>): Promise<T> {
  const target = outputTarget(path);
  const stage = join(dirname(target), `${basename(target)}.${process.pid}-${stages++}.partial`);
  attempt(path, () => closeSync(openSync(stage, 'wx')));
  let committed = false;
  try {
    const result = await write(stage).catch((error: unknown) => {
      // DuckDB failing to write the file (a full disk, a folder gone) is the output's problem.
      const message = error instanceof Error ? error.message : String(error);
      if (/^IO Error/.test(message)) throw badOut(path, message.replace(/^IO Error: /, '').split('\n')[0]!);
      throw error;
    });
    attempt(path, () => {
      const fd = openSync(stage, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(stage, target);
    });
    committed = true;
    return result;
  } finally {
    if (!committed) rmSync(stage, { force: true });
  }
}

/** A file step that failed with an errno: the output named cannot be written (exit 2), not a bug. */
function attempt(path: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw badOut(path, code);
  }
}

const badOut = (path: string, problem: string): UsageError =>
  new UsageError(
    'bad_output',
    `Failed to write --out ${path}: ${problem}.`,
    'Pass --out a new or ordinary file in a folder that exists and can be written; an output never replaces a database.',
  );
