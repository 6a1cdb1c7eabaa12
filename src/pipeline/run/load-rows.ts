import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { closest } from '../../core/did-you-mean.js';
import { UsageError } from '../../core/errors.js';
import { findModel } from '../../core/price-table.js';
import { isOutOfMemory, memoryLimit, ownError } from '../db/run-db.js';
import type { Job } from '../job/job.js';
import { renderRequest, templateColumns } from '../prompt/render-request.js';
import { csvShapeProblem } from './csv-shape.js';
import { goldenRowKey } from './custom-ids.js';
import { estimateInputTokens, inputTokensSql } from './preflight.js';
import { unsendableKeysSql } from './row-states.js';
import type { RunContext } from './run-context.js';
import { runSource, snapshotSource } from './run-source.js';
import { CSV_LINE_BYTES_MAX, sourceRowsSql } from './source-reader.js';
import { EMPTY_FILE, firstBadJsonLine, textProblem } from './source-text.js';
import { quarantineUnsendable } from './unsendable-rows.js';

/**
 * Snapshot the source into `source_rows` (set-based, in DuckDB) with each row's input hash,
 * after the checks that must pass before any spend: the source is readable, the key and every
 * template column exist, keys are unique and non-null. Golden rows join under `golden:` keys.
 * Then the rows that cannot be sent (a template column they do not fill, a prompt over the
 * context window) are quarantined, last: every check that refuses the job comes first, so a
 * refused plan has written nothing but what the run's discard removes.
 */
export async function loadRows(ctx: RunContext): Promise<{ source: number; golden: number }> {
  const { job, db } = ctx;
  await refuseUnreadable(job.source);
  const { reader, columns } = await readingSource(ctx, () => runSource(ctx));
  await refuseMissingColumns(job, columns);
  const rows = sourceRowsSql(job, reader);
  await db.exec('DELETE FROM source_rows WHERE run_id = ?', [ctx.runId]);
  // The source is read once, here (DuckDB reads a JSONL source whole only here: its schema came
  // from a sample of the lines). Its keys are checked in the table: a refused plan's rows go
  // with the run's discard. A missing key is kept as an empty one, to be refused as one.
  const source = await snapshotSource(ctx, () =>
    readingSource(ctx, () =>
      db.exec(
        `INSERT INTO source_rows SELECT ?, coalesce(row_key, ''), row_json, sha256(row_json), false, NULL, false,
           ${inputTokensSql(ctx)} FROM (${rows})`,
        [ctx.runId],
      ),
    ),
  );
  const problems = await db.all<{ k: string; n: number }>(
    `SELECT row_key AS k, count(*)::INTEGER AS n FROM source_rows WHERE run_id = ?
     GROUP BY 1 HAVING count(*) > 1 OR k = '' ORDER BY 1 LIMIT 5`,
    [ctx.runId],
  );
  if (problems.length > 0) {
    const list = problems.map((p) => (p.k ? `"${p.k}" ×${p.n}` : `an empty key ×${p.n}`)).join(', ');
    throw new UsageError(
      'bad_keys',
      `Failed to plan job ${job.name}: key column "${job.key}" must be unique and non-empty; found ${list}.`,
      'Deduplicate the source or choose a unique key column.',
    );
  }
  const golden = job.golden.path ? await loadGolden(ctx, job.golden.path) : 0;
  // Golden rows are keyed `golden:<key>`: a source key of that form, or a golden key given twice,
  // would name two rows, and every step keyed by row would mix them up. The source's own keys are
  // unique by now, so a key named twice is a golden row's.
  const clashes =
    golden === 0
      ? []
      : await db.all<{ k: string }>(
          `SELECT row_key AS k FROM source_rows WHERE run_id = $1 AND row_key IN (
             SELECT row_key FROM source_rows WHERE run_id = $1 AND is_golden)
           GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 5`,
          [ctx.runId],
        );
  if (clashes.length > 0) {
    throw new UsageError(
      'bad_keys',
      `Failed to plan job ${job.name}: row key ${clashes.map((c) => `"${c.k}"`).join(', ')} names two rows (golden rows are keyed "golden:" and their key, so no source key may be one, and no golden key may repeat).`,
      'Rename the source rows or the golden lines with those keys.',
    );
  }
  await quarantineUnsendable(ctx);
  return { source, golden };
}

/** Refuse a text source that is empty, binary or not UTF-8 (source-text.ts), before DuckDB reads it. */
export async function refuseUnreadable(source: Job['source']): Promise<void> {
  if (source.format === 'parquet') return;
  const problem = await textProblem(source.path, source.format);
  if (problem)
    throw new UsageError(
      'bad_source',
      `Failed to read source ${source.path}: ${problem.reason}.`,
      problem.hint,
    );
}

/**
 * Refuse a job whose key or template names a column the source does not have (the columns as
 * DuckDB reads them). A CSV with fewer columns than its header names has a ragged line: that line
 * is named instead.
 */
export async function refuseMissingColumns(job: Job, columns: readonly string[]): Promise<void> {
  const missing = [job.key, ...templateColumns(job.template)].filter(
    (c, i, all) => !columns.includes(c) && all.indexOf(c) === i,
  );
  if (missing.length === 0) return;
  const shape = job.source.format === 'csv' ? await csvShapeProblem(job.source.path) : null;
  if (shape) throw badShape(job.source.path, shape);
  // A typo'd placeholder or key gets the column it most likely meant.
  const meant = missing.flatMap((c) => {
    const column = closest(c, columns);
    return column === undefined ? [] : [`"${c}" → "${column}"`];
  });
  throw new UsageError(
    'missing_column',
    `Failed to plan job ${job.name}: the source has no column ${missing.map((c) => `"${c}"`).join(', ')} (it has ${columns.join(', ')}).`,
    `${meant.length > 0 ? `Did you mean ${meant.join(', ')}? ` : ''}Fix \`key\` or the template placeholders in the job file, or the source file.`,
  );
}

async function loadGolden(ctx: RunContext, path: string): Promise<number> {
  // An empty golden file is no golden set (allowed); a damaged one is refused like a source.
  const problem = await textProblem(path, 'jsonl');
  if (problem && problem.reason !== EMPTY_FILE)
    throw new UsageError(
      'bad_golden',
      `Failed to read golden file ${path}: ${problem.reason}.`,
      problem.hint,
    );
  // Numbered as the file's lines, blank ones included, so a message names the line an editor shows.
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, lineNo: i + 1 }))
    .filter(({ line }) => line.trim() !== '');
  // A bad line fails the whole file: `append` then writes none of the lines before it.
  return ctx.db.append('source_rows', (appender) => {
    for (const { line, lineNo } of lines) {
      const { key, rowJson, expected } = goldenLine(ctx, path, line, lineNo);
      appender.appendVarchar(ctx.runId);
      appender.appendVarchar(goldenRowKey(key));
      appender.appendVarchar(rowJson);
      appender.appendVarchar(createHash('sha256').update(rowJson).digest('hex'));
      appender.appendBoolean(true);
      appender.appendVarchar(JSON.stringify(expected));
      appender.appendBoolean(false);
      // Its input tokens are computed where they are needed (see source_rows.input_tokens): a few rows.
      appender.appendNull();
      appender.endRow();
    }
    return lines.length;
  });
}

/**
 * One golden line: the row (the source's columns), its key, and its `expected` output. A golden
 * row is graded, so one that cannot be sent as the job means it (a template column it does not
 * fill, a prompt over the window) is a mistake in the golden file, refused with its line.
 */
function goldenLine(ctx: RunContext, path: string, line: string, lineNo: number) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new UsageError(
      'bad_golden',
      `Failed to read golden file ${path}: line ${lineNo} is not JSON.`,
      'Fix the line.',
    );
  }
  const { expected, ...row } = isObject(parsed) ? parsed : {};
  const key = row[ctx.job.key];
  if (!isObject(expected) || (typeof key !== 'string' && typeof key !== 'number')) {
    throw new UsageError(
      'bad_golden',
      `Failed to read golden file ${path}: line ${lineNo} needs "${ctx.job.key}" and an "expected" object.`,
      'Give every golden line the source columns and an `expected` object of output fields.',
    );
  }
  const refuse = (problem: string, hint: string) =>
    new UsageError('bad_golden', `Failed to read golden file ${path}: line ${lineNo} ${problem}.`, hint);
  for (const column of templateColumns(ctx.job.template)) {
    const problem = !(column in row) ? 'has no' : row[column] === null ? 'has null in' : null;
    if (problem)
      throw refuse(
        `${problem} "${column}", a column the template uses`,
        "Give every golden line a value for each of the template's columns.",
      );
  }
  const { models, maxTokens, template } = ctx.job;
  const rendered = renderRequest(template, row, { model: models.primary, maxTokens, fence: ctx.goldenFence });
  const windowTokens = findModel(models.primary)?.contextWindowTokens ?? Number.POSITIVE_INFINITY;
  const tokens = 'params' in rendered ? estimateInputTokens(rendered.params.messages[0].content) : 0;
  if (tokens + maxTokens > windowTokens)
    throw refuse(
      `makes a prompt of about ${tokens} input tokens, which with max_tokens ${maxTokens} is over the ${windowTokens}-token context window of ${models.primary}`,
      'Shorten the golden row.',
    );
  return { key: String(key), rowJson: JSON.stringify(row), expected };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Mark the canary slice: the rows with the lowest md5 of their key, a stable uniform sample, of
 * the rows that will be sent (a row quarantined at plan would say nothing of the template).
 * Returns how many were marked.
 */
export async function markCanary(ctx: RunContext, sourceRows: number): Promise<number> {
  const size = Math.min(
    sourceRows,
    Math.max(ctx.job.canary.minRows, Math.ceil(ctx.job.canary.fraction * sourceRows)),
  );
  // Every row of the run was loaded just before, none in the canary: the rows updated are the canary.
  return ctx.db.exec(
    `UPDATE source_rows SET in_canary = true WHERE run_id = ? AND NOT is_golden AND row_key IN (
       SELECT row_key FROM source_rows WHERE run_id = ? AND NOT is_golden
         AND row_key NOT IN (${unsendableKeysSql(ctx)}) ORDER BY md5(row_key) LIMIT ${size})`,
    [ctx.runId, ctx.runId],
  );
}

/**
 * Run a query that reads the source; DuckDB's refusal becomes the UsageError a user can act on.
 * A malformed JSONL line is named by its own line number (DuckDB's is one too many), found again
 * by parsing the file's lines, and DuckDB's message is the fallback.
 */
async function readingSource<T>(ctx: RunContext, query: () => Promise<T>): Promise<T> {
  return readingSourceFile(ctx.job.source, query);
}

/** `readingSource` for a source outside a run (`batchguard init` profiles one with it). */
export async function readingSourceFile<T>(source: Job['source'], query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    // DuckDB out of memory is no fault of the file: say what it is.
    if (isOutOfMemory(error)) throw ownError(error, memoryLimit());
    const { path, format } = source;
    const shape = format === 'csv' ? await csvShapeProblem(path) : null;
    if (shape) throw badShape(path, shape);
    const bad = format === 'jsonl' ? await firstBadJsonLine(path).catch(() => null) : null;
    const reason = bad ? `line ${bad.line} is not valid JSON (${bad.reason}).` : readProblem(error);
    throw new UsageError(
      'bad_source',
      `Failed to read source ${path}: ${reason}`,
      bad
        ? 'Fix the line: every line of a JSONL source is one JSON object.'
        : 'Check the file and its format.',
    );
  }
}

const badShape = (path: string, shape: string): UsageError =>
  new UsageError(
    'bad_source',
    `Failed to read source ${path}: ${shape}.`,
    'Give every line of the CSV as many fields as the header: remove the line, or quote (") a field that holds the delimiter or a newline.',
  );

/**
 * DuckDB's reason a source cannot be read, in one line: its messages run to pages and quote
 * whole rows (data that does not belong in a terminal or a log). A row over the CSV line limit
 * gets its own message, since the limit is ours, not something a user can pass to DuckDB.
 */
function readProblem(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  if (/maximum line size/i.test(message))
    return `a row is longer than ${CSV_LINE_BYTES_MAX / 1024 / 1024} MB, the most batchguard reads (shorten or remove it).`;
  const first = message.split('\n').find((line) => line.trim() !== '') ?? message;
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}
