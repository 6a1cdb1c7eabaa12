import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { loadScenarios } from '../drills/gameday.js';
import { intFlag } from './args.js';
import { drillJobFlags } from './drill-job.js';
import { runDrillSession } from './drill-session.js';
import type { Io } from './io.js';
import { DEFAULT_DB } from './open-db.js';
import { checkOutputPath } from './output-file.js';
import { USAGE } from './usage.js';

/** The scenarios shipped with batchguard, used when the working folder has no scenarios/. */
const SHIPPED = fileURLToPath(new URL('../../scenarios', import.meta.url));

/**
 * `batchguard gameday`: every scenario's drill, in name order. Exit 0 only if every drill
 * passed: each fault fired, its control caught it, and the invariants held.
 */
export async function gamedayCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scenarios: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      junit: { type: 'string' },
      db: { type: 'string' },
      job: { type: 'string' },
      sample: { type: 'string' },
    },
  });
  if (positionals.length > 0)
    throw new UsageError(
      'usage',
      `Failed to start the game day: unexpected argument "${positionals[0]}".`,
      `Run one scenario with \`batchguard drill FILE\`. Usage: ${USAGE.gameday}`,
    );
  // Before the scenarios load and the database opens: a JUnit file that cannot be written, or
  // that would replace the database the verdicts go to, is refused before any drill runs.
  if (values.junit !== undefined) checkOutputPath('--junit', values.junit, { db: values.db ?? DEFAULT_DB });
  const dir = values.scenarios ?? (existsSync('scenarios') ? 'scenarios' : SHIPPED);
  const seed =
    values.seed === undefined ? undefined : intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
  const base = await drillJobFlags(values);
  const scenarios = await loadScenarios(resolve(dir), base);
  return runDrillSession(
    scenarios,
    {
      seed,
      json: values.json ?? false,
      junit: values.junit,
      db: values.db,
      ui: io.interactive && !values.json,
    },
    io,
  );
}
