/**
 * bench:sim — a batch of N requests through the official SDK and the in-process fetch, from
 * create to the last result streamed through the SDK's JSONL decoder. Prints time per phase,
 * result rows/s, and memory, for several batch sizes, so that flat streaming memory shows as a
 * heap growth during streaming that does not grow with N.
 *
 *   npm run bench:sim                 # sizes 10000, 50000, 100000
 *   npm run bench:sim -- 100000       # one size
 */
import { cpus } from 'node:os';
import { makeClient } from '../src/pipeline/client.js';
import { inProcessWorld } from '../src/sim/sim-world.js';
import { reviewRequests } from '../test/support/requests.js';

const HOUR_MS = 3_600_000;
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function runOnce(count: number) {
  const sim = inProcessWorld({ seed: 42 });
  const client = makeClient({ apiKey: 'bench', baseURL: sim.baseURL, fetch: sim.fetch });
  const requests = reviewRequests(count);

  const t0 = performance.now();
  const { id } = await client.messages.batches.create({ requests });
  const t1 = performance.now();
  sim.clock.advance(2 * HOUR_MS);
  const batch = await client.messages.batches.retrieve(id); // settles billing for the ended batch
  if (batch.processing_status !== 'ended') throw new Error('batch did not end');
  const t2 = performance.now();

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  let rssPeak = process.memoryUsage().rss;
  let rows = 0;
  for await (const row of await client.messages.batches.results(id)) {
    if (row.custom_id.length === 0) throw new Error('empty custom_id');
    if (++rows % 5_000 === 0) {
      const usage = process.memoryUsage();
      heapPeak = Math.max(heapPeak, usage.heapUsed);
      rssPeak = Math.max(rssPeak, usage.rss);
    }
  }
  const t3 = performance.now();
  if (rows !== count) throw new Error(`streamed ${rows} rows, expected ${count}`);
  return {
    count,
    createMs: t1 - t0,
    settleMs: t2 - t1,
    streamMs: t3 - t2,
    streamRowsPerS: rows / ((t3 - t2) / 1000),
    endToEndRowsPerS: rows / ((t3 - t0) / 1000),
    streamHeapGrowth: heapPeak - heapBefore,
    rssPeak,
  };
}

console.log(`bench:sim on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
console.log(
  'size      create   settle   stream   stream rows/s   create→last rows/s   heap growth while streaming   peak RSS',
);
for (const count of sizes.length > 0 ? sizes : [10_000, 50_000, 100_000]) {
  await runOnce(Math.min(count, 2_000)); // warm up the JIT
  const r = await runOnce(count);
  console.log(
    [
      String(r.count).padEnd(8),
      `${r.createMs.toFixed(0)} ms`.padStart(8),
      `${r.settleMs.toFixed(0)} ms`.padStart(8),
      `${r.streamMs.toFixed(0)} ms`.padStart(8),
      Math.round(r.streamRowsPerS).toLocaleString('en-US').padStart(15),
      Math.round(r.endToEndRowsPerS).toLocaleString('en-US').padStart(20),
      mb(r.streamHeapGrowth).padStart(29),
      mb(r.rssPeak).padStart(10),
    ].join(' '),
  );
}
