import { assessRun } from '../pipeline/run/assess.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { checkOutputPath, StagedOutput } from './output-file.js';
import { withArgs } from './parse-command.js';

/**
 * `batchguard assess`: the runbook's second step. Counts the rows a run's promote touched, by
 * custom_id, and writes the ids to reverse (one a line) to --out, ready for `rollback --ids`.
 * `--batch ID` (repeatable) narrows it to the rows answered in those batches of the run.
 */
export const assessCommand = withArgs('assess', async ({ values, positional: runId }, io) => {
  if (values.out !== undefined) checkOutputPath('--out', values.out, { db: values.db ?? DEFAULT_DB });
  const db = await openDb(values.db, true);
  // Written as the ids stream by, beside the file it replaces, and put in place only once whole:
  // the file appears (or changes) only once the run is known to exist and every id is written.
  let out: StagedOutput | null = null;
  try {
    if (values.out !== undefined) out = StagedOutput.open(values.out, '--out');
    const batches = values.batch ?? [];
    const a = await assessRun(db, runId, (id) => out?.write(`${id}\n`), { batches });
    out?.commit();
    const scope = batches.length === 0 ? '' : ` answered in ${batches.join(', ')}`;
    io.out(`assessed ${runId}: its promote touched ${a.touched} rows${scope} by custom_id`);
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
    out?.discard();
    db.close();
  }
});
