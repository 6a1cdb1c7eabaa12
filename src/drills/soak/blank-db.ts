import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scratchBase } from '../../core/scratch-folder.js';
import { RunDb } from '../../pipeline/db/run-db.js';

/*
 * A new, empty run database for a generated case, made by copying a blank one instead of
 * creating every table and view afresh: the soak and the property tests make one per run, and
 * the creation cost more than half again what a copy does (about 145 ms of CPU against 55 here).
 * RunDb.open still brings the copy to the current layout, as it does any file it opens. The blank
 * file is made once per process and temp folder, and removed as the process exits.
 */

const BLANKS = new Map<string, Promise<string>>();

/** Open a fresh run database at `path` (which must not exist yet). */
export async function openBlankDb(path: string): Promise<RunDb> {
  copyFileSync(await blank(), path);
  return RunDb.open(path);
}

function blank(): Promise<string> {
  const folder = scratchBase();
  let made = BLANKS.get(folder);
  if (!made) {
    made = makeBlank(folder);
    BLANKS.set(folder, made);
  }
  return made;
}

async function makeBlank(folder: string): Promise<string> {
  const dir = mkdtempSync(join(folder, 'batchguard-blank-db-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'blank.duckdb');
  (await RunDb.open(path)).close();
  // Released without `discard`: closing folds the write-ahead log into the file, so the one file
  // holds everything and copies whole.
  await RunDb.release(path);
  return path;
}
