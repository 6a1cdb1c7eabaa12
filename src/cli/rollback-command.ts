import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { rollbackRun } from '../pipeline/run/rollback.js';
import { openDb } from './open-db.js';
import { withArgs } from './parse-command.js';
import { formatEntry } from './print-run.js';

/** `batchguard rollback`: undo a promote, whole or for the ids in a file (custom_ids or keys, one a line). */
export const rollbackCommand = withArgs('rollback', async ({ values, positional: runId }, io) => {
  const ids = values.ids === undefined ? undefined : readIds(values.ids);
  const db = await openDb(values.db, true);
  try {
    const result = await rollbackRun(db, runId, io.clock, {
      ids,
      onEntry: (e) => io.out(formatEntry(e)),
    });
    io.out(
      `rolled back ${runId}: ${result.restored} restored, ${result.removed} removed, ${result.conflicts} left alone (changed by a later run)`,
    );
    return result.conflicts > 0 ? 1 : 0;
  } finally {
    db.close();
  }
});

function readIds(path: string): string[] {
  if (!existsSync(path))
    throw new UsageError(
      'no_ids_file',
      `Failed to read ids: no file ${path}.`,
      'Give a file with one custom_id or key a line.',
    );
  const ids = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (ids.length === 0)
    throw new UsageError(
      'empty_ids_file',
      `Failed to read ids: ${path} names no id.`,
      'Give one custom_id or key a line.',
    );
  return ids;
}
