import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { RunDb } from '../pipeline/db/run-db.js';

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
  return RunDb.open(file);
}
