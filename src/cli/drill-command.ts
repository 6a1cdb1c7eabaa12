import { loadScenario } from '../drills/scenario.js';
import { drillJobFlags } from './drill-job.js';
import { runDrillSession } from './drill-session.js';
import { withArgs } from './parse-command.js';

/** `batchguard drill`: one scenario's drill; prints its verdict and the line that replays it. */
export const drillCommand = withArgs('drill', async ({ values, positional: file }, io) => {
  const base = await drillJobFlags(values);
  const scenario = await loadScenario(file, { base });
  return runDrillSession(
    [scenario],
    { seed: values.seed, json: values.json ?? false, db: values.db, ui: false },
    io,
  );
});
