import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { assessRun } from '../pipeline/run/assess.js';
import type { Io } from './io.js';
import { openDb } from './open-db.js';
import { checkOutputPath } from './output-file.js';
import { USAGE } from './usage.js';

/**
 * `batchguard assess`: the runbook's second step. Counts the rows a run's promote touched, by
 * custom_id, and writes the ids to reverse (one a line) to --out, ready for `rollback --ids`.
 */
export async function assessCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, out: { type: 'string' } },
  });
  if (positionals.length !== 1)
    throw new UsageError('usage', 'Failed to assess: give exactly one run id.', `Usage: ${USAGE.assess}`);
  const runId = positionals[0]!;
  if (values.out !== undefined) checkOutputPath('--out', values.out);
  const db = await openDb(values.db, true);
  // Written as the ids stream by; the file appears only once the run is known to exist.
  let fd: number | null = null;
  try {
    const write = (id: string) => {
      if (values.out === undefined) return;
      fd ??= openSync(values.out, 'w');
      writeSync(fd, `${id}\n`);
    };
    const a = await assessRun(db, runId, write);
    if (values.out !== undefined && fd === null) fd = openSync(values.out, 'w');
    io.out(`assessed ${runId}: its promote touched ${a.touched} rows by custom_id`);
    io.out(
      `  changed ${a.changed}, created ${a.created}, unchanged ${a.unchanged}, since overwritten by a later run ${a.overwritten}`,
    );
    io.out(`  to reverse: ${a.affected} rows${values.out === undefined ? '' : `, ids in ${values.out}`}`);
    if (values.out !== undefined)
      io.out(
        `next: batchguard rollback ${runId} --ids ${values.out}${values.db ? ` --db ${values.db}` : ''}`,
      );
    return 0;
  } finally {
    if (fd !== null) closeSync(fd);
    db.close();
  }
}
