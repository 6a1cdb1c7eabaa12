import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarios } from '../drills/gameday.js';
import { drillJobFlags } from './drill-job.js';
import { runDrillSession } from './drill-session.js';
import { DEFAULT_DB } from './open-db.js';
import { checkOutputPath } from './output-file.js';
import { withArgs } from './parse-command.js';

/** The scenarios shipped with batchguard, used when the working folder has no scenarios/. */
const SHIPPED = fileURLToPath(new URL('../../scenarios', import.meta.url));

/**
 * `batchguard gameday`: every scenario's drill, in name order. Exit 0 only if every drill
 * passed: each fault fired, its control caught it, and the invariants held.
 */
export const gamedayCommand = withArgs('gameday', async ({ values }, io) => {
  // Before the scenarios load and the database opens: a JUnit file that cannot be written, or
  // that would replace the database the verdicts go to, is refused before any drill runs.
  if (values.junit !== undefined) checkOutputPath('--junit', values.junit, { db: values.db ?? DEFAULT_DB });
  const dir = values.scenarios ?? (existsSync('scenarios') ? 'scenarios' : SHIPPED);
  const base = await drillJobFlags(values);
  const scenarios = await loadScenarios(resolve(dir), base);
  return runDrillSession(
    scenarios,
    {
      seed: values.seed,
      json: values.json ?? false,
      junit: values.junit,
      parallel: values.parallel,
      db: values.db,
      ui: io.interactive && !values.json,
    },
    io,
  );
});
