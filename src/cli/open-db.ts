import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { RunDb } from '../pipeline/db/run-db.js';
import { writePathProblem } from './write-path.js';

/** Where runs are kept unless --db says otherwise: a file in the working folder. */
export const DEFAULT_DB = 'batchguard.duckdb';

/** Open the run database; commands that read runs refuse to create an empty one by mistake. */
export async function openDb(path: string | undefined, mustExist: boolean): Promise<RunDb> {
  const file = resolve(path ?? DEFAULT_DB);
  if (mustExist && !existsSync(file)) {
    throw new UsageError(
      'no_db',
      `Failed to open run database ${file}: no such file.`,
      'Pass --db with the file `batchguard run` wrote.',
    );
  }
  // Before DuckDB sees it: a FIFO would block its open forever, a device be read as a database.
  const problem = writePathProblem(file);
  if (problem) throw badDb(file, problem);
  try {
    return await RunDb.open(file);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A file that is not a DuckDB database (or one DuckDB cannot read) was given by mistake.
    if (error instanceof UsageError || !/^IO Error/.test(message)) throw error;
    throw badDb(file, message.replace(/^IO Error: /, '').split('\n')[0]!);
  }
}

const badDb = (file: string, problem: string): UsageError =>
  new UsageError(
    'bad_db',
    `Failed to open run database ${file}: ${problem}.`,
    'Pass --db the file `batchguard run` wrote, or a new file name in a folder that exists.',
  );
