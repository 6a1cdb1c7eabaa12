/**
 * One measured phase of bench:pipeline, in its own process against the server named by
 * ANTHROPIC_BASE_URL. Prints one JSON line: seconds, rows, peak RSS and heap.
 */
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { loadJob } from '../src/pipeline/job/load-job.js';
import { liveEnv } from '../src/pipeline/live-env.js';
import { fenceTag, renderRequest } from '../src/pipeline/prompt/render-request.js';
import { createArgs, lazyRequests } from '../src/pipeline/run/create-body.js';
import { startRun } from '../src/pipeline/run/run-job.js';

const [phase, dir] = process.argv.slice(2) as ['floor' | 'pipeline', string];
let peakRss = 0;
let peakHeap = 0;
let peakExternal = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
};
const sampler = setInterval(sample, 25);
const mb = (m: NodeJS.MemoryUsage) =>
  `rss ${Math.round(m.rss / 2 ** 20)} heap ${Math.round(m.heapUsed / 2 ** 20)}/${Math.round(m.heapTotal / 2 ** 20)} ext ${Math.round((m.external + m.arrayBuffers) / 2 ** 20)} MB`;
/**
 * Where a pipeline run's time went, from its run log as it is written: the run's steps (from one
 * `entered` state to the next), and the mean of each stage of a main-round batch. A stage is
 * timed from the log entry before it: reading the chunk and writing its mapping (up to the
 * create's intent), the create, the wait for the poll that finds the batch ended (the server's
 * end-of-batch pass), the fetch and the gate. Compare two sizes stage by stage: a stage that costs
 * more a batch at the larger size grows with the job, not with the batch.
 */
class PhaseTimes {
  private last = 0;
  private state = 'plan';
  private stateAt = 0;
  readonly steps: Record<string, number> = {};
  private readonly main = new Set<string>();
  private readonly stages: Record<string, number[]> = {};

  saw(seconds: number, kind: string, detail: Record<string, unknown>): void {
    const id = String(detail.submission_id ?? '');
    const stage = {
      create_batch: 'chunk',
      batch_created: 'create',
      batch_ended: 'end',
      results_fetched: 'fetch',
      batch_gated: 'gate',
    }[kind];
    if (kind === 'create_batch' && detail.phase === 'main') this.main.add(id);
    if (stage && this.main.has(id)) {
      this.stages[stage] ??= [];
      this.stages[stage].push(seconds - this.last);
    }
    if (kind === 'entered' || kind === 'run_finished') {
      this.steps[this.state] = (this.steps[this.state] ?? 0) + seconds - this.stateAt;
      this.state = String(detail.state ?? 'done');
      this.stateAt = seconds;
    }
    this.last = seconds;
  }

  summary(): { steps: Record<string, number>; batchStages: Record<string, number>; mainBatches: number } {
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    return {
      steps: this.steps,
      batchStages: Object.fromEntries(Object.entries(this.stages).map(([stage, v]) => [stage, mean(v)])),
      mainBatches: this.main.size,
    };
  }
}

const started = performance.now();
const loaded = await loadJob(join(dir, 'job.yaml'));
// The floor polls every 0.2 s; a job file may ask no less than 1 s, so the bench sets it here.
const job = { ...loaded, pollIntervalSeconds: 0.2 };
const db = await RunDb.open(join(dir, `${phase}.duckdb`));
let status: string | undefined;
let rows = 0;

const phases = new PhaseTimes();

if (phase === 'pipeline') {
  // BENCH_TRACE=1: each log entry on stderr with the seconds since start and the RSS, to see the shape.
  const onEntry = (e: { step: string; kind: string; detail: Record<string, unknown> }) => {
    const seconds = (performance.now() - started) / 1000;
    phases.saw(seconds, e.kind, e.detail);
    if (process.env.BENCH_TRACE)
      process.stderr.write(
        `${seconds.toFixed(1)} s ${mb(process.memoryUsage())} ${e.step} ${e.kind} ${JSON.stringify(e.detail).slice(0, 100)}\n`,
      );
  };
  const env = liveEnv(process.env, () => {});
  // A progress listener, as `batchguard run` always passes one: its figures cost the run a query.
  const onProgress = process.env.BENCH_NO_PROGRESS ? undefined : () => {};
  const summary = await startRun({ db, env, job, mode: 'live', seed: null, onEntry, onProgress });
  status = `${summary.status}, coverage ${summary.metrics?.coverage}`;
  rows = summary.counts?.source ?? 0;
} else {
  rows = await floor();
}
sample();
clearInterval(sampler);
console.log(
  JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    rows,
    peakRssMb: Math.round(peakRss / 2 ** 20),
    peakHeapMb: Math.round(peakHeap / 2 ** 20),
    peakExternalMb: Math.round(peakExternal / 2 ** 20),
    status,
    ...(phase === 'pipeline' ? phases.summary() : {}),
  }),
);

/** The same batches with nothing but create, poll, decode and a bare append. */
async function floor(): Promise<number> {
  const client = new Anthropic({ apiKey: 'bench', baseURL: process.env.ANTHROPIC_BASE_URL, maxRetries: 0 });
  await db.exec(
    `CREATE OR REPLACE TABLE src AS SELECT to_json(t)::VARCHAR AS j FROM read_csv('${job.source.path}', header = true, all_varchar = true) t`,
  );
  await db.exec('CREATE OR REPLACE TABLE bare (custom_id VARCHAR, type VARCHAR, text VARCHAR)');
  const fence = fenceTag('bench');
  const ids: string[] = [];
  const total = (await db.all<{ n: bigint }>('SELECT count(*) AS n FROM src'))[0]!.n;
  for (let offset = 0; offset < Number(total); offset += 100_000) {
    const chunk = await db.all<{ j: string }>(`SELECT j FROM src LIMIT 100000 OFFSET ${offset}`);
    // Rendered as the body streams out, as the pipeline's are: no batch is held whole.
    const requests = lazyRequests([...chunk.keys()], (i) => {
      const rendered = renderRequest(job.template, JSON.parse(chunk[i]!.j), {
        model: job.models.primary,
        maxTokens: job.maxTokens,
        fence,
      });
      if ('unfenceable' in rendered) throw new Error('unfenceable');
      return { custom_id: `r_${offset + i}`, params: rendered.params };
    });
    ids.push((await client.messages.batches.create(...createArgs(requests, chunk.length))).id);
  }
  let appended = 0;
  for (const id of ids) {
    while ((await client.messages.batches.retrieve(id)).processing_status !== 'ended')
      await new Promise((r) => setTimeout(r, 200));
    await db.append('bare', async (appender) => {
      for await (const row of await client.messages.batches.results(id)) {
        appender.appendVarchar(row.custom_id);
        appender.appendVarchar(row.result.type);
        const block = row.result.type === 'succeeded' ? row.result.message.content[0] : undefined;
        appender.appendVarchar(block?.type === 'text' ? block.text : '');
        appender.endRow();
        appended++;
      }
    });
  }
  return appended;
}
