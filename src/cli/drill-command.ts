import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { loadScenario } from '../drills/scenario.js';
import { intFlag } from './args.js';
import { drillJobFlags } from './drill-job.js';
import { runDrillSession } from './drill-session.js';
import type { Io } from './io.js';
import { USAGE } from './usage.js';

/** `batchguard drill`: one scenario's drill; prints its verdict and the line that replays it. */
export async function drillCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      json: { type: 'boolean' },
      db: { type: 'string' },
      job: { type: 'string' },
      sample: { type: 'string' },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError(
      'usage',
      `Failed to drill: give exactly one scenario file (got ${positionals.length}).`,
      `Usage: ${USAGE.drill}`,
    );
  const seed =
    values.seed === undefined ? undefined : intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
  const base = await drillJobFlags(values);
  const scenario = await loadScenario(positionals[0]!, { base });
  return runDrillSession([scenario], { seed, json: values.json ?? false, db: values.db, ui: false }, io);
}
