import { realClock } from '../../core/real-clock.js';
import { type DrillBase, jobBase } from '../drill-base.js';
import type { FromWorker, ToWorker } from './soak.js';
import { runSoakSeed } from './soak-run.js';

/*
 * A soak's worker process (forked by soak.ts with tsx loaded; argv: the job file or '', and the
 * soak's scratch folder): it runs the seeds the parent sends it, one at a time, and sends back
 * each run's result. Its scratch databases go to the soak's scratch folder, never to the soak's
 * own database, which only the parent opens (DuckDB allows one instance per file). It ends when
 * the parent disconnects.
 */

// The runs' temp folders (os.tmpdir() reads TMPDIR at each call) go to the soak's scratch folder.
// Set here, after tsx has loaded, not in the environment the worker starts with: tsx keeps its
// cache of compiled sources in the temp folder, and a fresh one would compile them all again.
process.env.TMPDIR = process.argv[3] || process.env.TMPDIR;

// A terminal's Ctrl-C reaches every process of its group: the parent decides how the soak stops,
// and lets the run in hand finish.
process.on('SIGINT', () => {});

const send = (message: FromWorker) => process.send?.(message);

let base: DrillBase | undefined;
try {
  const job = process.argv[2];
  base = job === undefined || job === '' ? undefined : await jobBase(job);
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'broken', message: (error as Error)?.message ?? String(error) });
  process.disconnect?.();
}

process.on('message', async (message: ToWorker) => {
  send({ type: 'result', result: await runSoakSeed(message.seed, realClock.now, base) });
});
