import { templateParts } from '../prompt/render-request.js';
import { customIdSql } from './custom-ids.js';
import { fetchResults } from './fetch-results.js';
import { gateSubmission } from './gate-results.js';
import { PackedRows } from './packed-rows.js';
import { pollUntilEnded } from './poll.js';
import { queueSql } from './row-states.js';
import { crashPoint, type RunContext } from './run-context.js';
import { roundWithinCeiling } from './spend-guard.js';
import { readSubmissions, type Submission } from './submissions.js';
import { type ChunkBatch, recoverIntended, submitChunk } from './submit.js';

/** "A Message Batch is limited to either 100,000 Message requests or 256 MB in size." */
export const BATCH_REQUESTS_MAX = 100_000;
/** Bytes per batch the chunker aims under: 256 MB less room for JSON framing. */
export const BATCH_BYTES_TARGET = 240_000_000;

/**
 * Run rounds until no row needs a submission: each round submits the queue in chunks, up to
 * `max_in_flight` batches in flight at once, and polls, fetches and gates each as it ends; each
 * batch gated makes room for the next chunk's, so a slow batch holds up no other. Bounded: a row is
 * submitted at most `attempts` times per model. The canary phase is a single round over the
 * canary slice and the golden rows.
 */
export async function runPhase(ctx: RunContext, phase: 'canary' | 'main'): Promise<void> {
  const submissions = await finishUnfinished(ctx);
  if (phase === 'canary' && submissions.some((s) => s.phase === 'canary')) return;
  const roundsMax = phase === 'canary' ? 1 : 2 * ctx.job.attempts + 1;
  for (let round = 1; round <= roundsMax; round++) {
    const chunkModels = await queueChunks(ctx, phase);
    const chunks = chunkModels.length;
    if (chunks === 0) return;
    if (!(await roundWithinCeiling(ctx))) return;
    await ctx.log.event(phase, 'round_started', { round, chunks });
    let next = 0;
    /**
     * Submit the next chunks while fewer than `max_in_flight` batches are in flight. A chunk is
     * one batch per model of its rows (escalated rows go to the larger model), so the last chunk
     * let in may take the count one past the limit.
     */
    const submitMore = async (inFlight: number): Promise<Submission[]> => {
      const made: Submission[] = [];
      while (inFlight + made.length < ctx.job.maxInFlight && next < chunks) {
        const chunk = next++;
        for (const batch of await chunkBatches(ctx, chunk, chunkModels[chunk]!)) {
          const submission = await submitChunk(ctx, phase, round, batch);
          if (submission) made.push(submission);
        }
      }
      return made;
    };
    const first = await submitMore(0);
    crashPoint(ctx, `${phase}:after-submit-wave`);
    // Each batch that ends and is gated makes room for the next chunk's.
    await pollUntilEnded(ctx, first, (s) => processEnded(ctx, s), submitMore);
  }
}

/**
 * After a crash: adopt or create intended batches, then poll, fetch and gate what was pending.
 * Returns the run's submissions as they were found.
 */
export async function finishUnfinished(ctx: RunContext): Promise<Submission[]> {
  const found = await readSubmissions(ctx);
  const pending: Submission[] = [];
  for (const submission of found.filter((s) => s.status !== 'gated')) {
    pending.push(submission.status === 'intended' ? await recoverIntended(ctx, submission) : submission);
  }
  const toPoll = pending.filter((s) => s.status === 'submitted');
  for (const submission of pending.filter((s) => s.status !== 'submitted'))
    await processEnded(ctx, submission);
  if (toPoll.length > 0) await pollUntilEnded(ctx, toPoll, (s) => processEnded(ctx, s));
  return found;
}

async function processEnded(ctx: RunContext, submission: Submission): Promise<void> {
  if (submission.status === 'ended') await fetchResults(ctx, submission);
  crashPoint(ctx, 'fetch:before-gate');
  await gateSubmission(ctx, submission);
}

/**
 * How many rows one batch may take and stay under the API's size limit, judged by the widest row.
 * In bytes, as the API counts them (a CJK character is three): a request holds the template's
 * fixed text and, for each placeholder, at most the whole row as JSON in its fence.
 */
export async function rowsPerChunk(ctx: RunContext): Promise<number> {
  const { fixed, placeholders } = templateParts(ctx.job.template);
  const fenceBytes = ctx.fence ? 2 * Buffer.byteLength(ctx.fence) + 5 : 0;
  const valueBytes = (await widestRowBytes(ctx)) + fenceBytes;
  // The fixed text as the request body holds it: JSON-escaped (a quote or a line break is two bytes).
  const requestBytes = Buffer.byteLength(JSON.stringify(fixed)) + placeholders.length * valueBytes + 1_000;
  const most = Math.min(BATCH_REQUESTS_MAX, ctx.job.maxBatchRequests);
  return Math.max(1, Math.min(most, Math.floor(BATCH_BYTES_TARGET / requestBytes)));
}

/** Per run context: the run's rows are fixed once planned, so their widest is read once. */
const WIDEST = new WeakMap<RunContext, number>();

async function widestRowBytes(ctx: RunContext): Promise<number> {
  let bytes = WIDEST.get(ctx);
  if (bytes === undefined) {
    const row = await ctx.db.one<{ bytes: number | null }>(
      'SELECT max(strlen(row_json))::BIGINT AS bytes FROM source_rows WHERE run_id = ?',
      [ctx.runId],
    );
    bytes = Number(row?.bytes ?? 0);
    WIDEST.set(ctx, bytes);
  }
  return bytes;
}

/**
 * Materialise this round's queue with a chunk number per row; returns each chunk's models, in
 * order (none: nothing is queued). The queue holds keys, not the rows' JSON: each chunk reads its
 * rows from source_rows when it is sent, so a million-row round does not copy its source into a
 * temporary table first.
 */
async function queueChunks(ctx: RunContext, phase: 'canary' | 'main'): Promise<string[][]> {
  const perChunk = await rowsPerChunk(ctx);
  // The rows first, then their chunk numbers: in one statement DuckDB held the joins' hash tables
  // and the numbering's sort at once, and a 1,000,000-row round in a database holding earlier
  // runs of the job ran out of its memory ceiling (at every ceiling from 144 to 208 MB; in two
  // statements, the same round needs less than 64 MB).
  await ctx.db.exec(
    `CREATE OR REPLACE TEMP TABLE queue AS ${queueSql(ctx, phase === 'canary' ? 'canary' : 'all')}`,
  );
  await ctx.db.exec(
    `CREATE OR REPLACE TEMP TABLE queue AS
     SELECT *, ((row_number() OVER (PARTITION BY next_model ORDER BY row_key) - 1) // ${perChunk})::INTEGER AS chunk
     FROM queue`,
  );
  // Each model's chunks are numbered from 0, so every chunk up to the last holds some model.
  const models: string[][] = [];
  const rows = await ctx.db.all<{ chunk: number; next_model: string }>(
    'SELECT DISTINCT chunk, next_model FROM queue ORDER BY chunk, next_model',
  );
  for (const { chunk, next_model } of rows) {
    models[chunk] ??= [];
    models[chunk].push(next_model);
  }
  return models;
}

/**
 * One chunk's batches, one per model of it (in model order), each with its rows in key order. The
 * rows come with their custom_ids made in SQL (custom-ids.ts), and without the columns only the
 * mapping needs (the input hash): the mapping is written from the same query by
 * INSERT … SELECT, so a batch's hundred thousand rows cross from DuckDB to TypeScript once, with
 * only what the requests are made of. The query's join runs twice, which costs less: DuckDB
 * joins a chunk in 0.1–0.2 s, and turning its text into JavaScript strings takes several times that.
 */
async function chunkBatches(
  ctx: RunContext,
  chunk: number,
  models: readonly string[],
): Promise<ChunkBatch[]> {
  const batches: ChunkBatch[] = [];
  for (const model of models) {
    // $1 run, $2 chunk, $3 model.
    const rowsSql = `SELECT ${customIdSql('q.raw_key', 'q.attempt', 'q.is_golden', ctx.runTag)} AS custom_id,
         q.row_key, q.attempt::INTEGER AS attempt, q.is_golden, s.row_json, s.input_hash
       FROM queue q JOIN source_rows s ON s.run_id = $1 AND s.row_key = q.row_key
       WHERE q.chunk = $2 AND q.next_model = $3`;
    const scope = [ctx.runId, chunk, model];
    const rows = await PackedRows.read(
      ctx.db,
      `SELECT custom_id, row_key, attempt, is_golden, row_json FROM (${rowsSql}) ORDER BY row_key`,
      scope,
    );
    batches.push({
      model,
      rows,
      writeMapping: (submissionId, except) => {
        const skip = except.map((_, i) => `$${i + 5}`).join(', ');
        return ctx.db.exec(
          `INSERT INTO requests
           SELECT $1, $4, custom_id, row_key, input_hash, attempt, $3 FROM (${rowsSql})
           ${except.length > 0 ? `WHERE custom_id NOT IN (${skip})` : ''}`,
          [...scope, submissionId, ...except],
        );
      },
    });
  }
  return batches;
}
