import type { RunDb } from '../pipeline/db/run-db.js';
import type { Job } from '../pipeline/job/job.js';
import type { RunSummary } from '../pipeline/run/run-job.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import type { DrillRow } from '../sim/faults/world-fault.js';
import type { BatchWorld } from '../sim/world/batch-world.js';
import type { GroundTruth } from '../sim/world/ground-truth.js';

/** A row of the sink, as the pipeline's promote writes it. */
export interface SinkRow {
  key: string;
  value: string;
  run_id: string;
  custom_id: string;
}

/** What a runbook drill saw: the sink after the bad run, and what its assessment named. */
export interface RunbookFacts {
  /** The sink as the bad run left it, before the runbook. */
  sinkAfterRun: SinkRow[];
  /** The batches the assessment was narrowed to (`assess --batch`), or null: the whole run. */
  batches: string[] | null;
  /** The custom_ids `assess` wrote for `rollback --ids`. */
  assessed: string[];
}

/** A promoted row with the batch its answer came from. */
export type PromotedRow = SinkRow & { batch_id: string };

interface RequestRow {
  row_key: string;
  model: string;
  batch_id: string | null;
}

/**
 * What checkers read after a drill, gathered once: the run's database, its log, and the world's
 * ground truth. Read-only: nothing here writes to the database or the world.
 */
export class DrillFacts {
  readonly truth: GroundTruth;
  private readonly answers = new Map<string, Map<string, string>>();
  private cache: { promoted?: PromotedRow[]; requests?: Map<string, RequestRow> } = {};

  constructor(
    readonly db: RunDb,
    readonly runId: string,
    readonly job: Job,
    readonly summary: RunSummary,
    readonly world: BatchWorld,
    readonly entries: readonly LogEntry[],
    /** The rows as the source file holds them now (after any edit a fault made). */
    readonly currentRows: ReadonlyMap<string, DrillRow>,
    /** The source's keys, as the drill generated them. */
    readonly sourceKeys: readonly string[],
    /** The sink before the run (drills that run the clean job first). */
    readonly sinkBefore: readonly SinkRow[] | null = null,
    /** The runbook's view of the run (runbook drills). */
    readonly runbook: RunbookFacts | null = null,
  ) {
    this.truth = world.groundTruth();
  }

  /** The whole sink, ordered by key. */
  sinkRows(): Promise<SinkRow[]> {
    return readSink(this.db, this.job.sink.table);
  }

  /** The sink rows this run put there, each with the batch that answered it. */
  async promoted(): Promise<PromotedRow[]> {
    if (this.cache.promoted) return this.cache.promoted;
    const requests = await this.requestsById();
    const rows = (await this.sinkRows()).filter((r) => r.run_id === this.runId);
    this.cache.promoted = rows.map((r) => ({ ...r, batch_id: requests.get(r.custom_id)?.batch_id ?? '' }));
    return this.cache.promoted;
  }

  /** Every request the run sent, by custom_id. */
  async requestsById(): Promise<Map<string, RequestRow>> {
    if (this.cache.requests) return this.cache.requests;
    const rows = await this.db.all<RequestRow & { custom_id: string }>(
      'SELECT custom_id, row_key, model, batch_id FROM batch_requests WHERE run_id = ?',
      [this.runId],
    );
    this.cache.requests = new Map(rows.map((r) => [r.custom_id, r]));
    return this.cache.requests;
  }

  /**
   * The answer of the first line the world wrote for `customId` in the batch's results, if it
   * succeeded: its text, or a forced tool call's input as JSON.
   */
  firstAnswer(batchId: string, customId: string): string | undefined {
    let lines = this.answers.get(batchId);
    if (!lines) {
      lines = new Map();
      for (const line of this.world.resultLinesOf(batchId)) {
        const parsed = JSON.parse(line);
        if (lines.has(parsed.custom_id) || parsed.result.type !== 'succeeded') continue;
        // A forced tool's answer is its call's input; a text answer is the first block's text.
        const content: { type?: string; text?: string; input?: unknown }[] = parsed.result.message.content;
        const call = content.find((block) => block?.type === 'tool_use');
        lines.set(parsed.custom_id, call ? JSON.stringify(call.input) : (content[0]?.text ?? ''));
      }
      this.answers.set(batchId, lines);
    }
    return lines.get(customId);
  }

  /** Source keys some fault touched: named in evidence directly, or through a request's custom_id. */
  async touchedKeys(): Promise<Set<string>> {
    const requests = await this.requestsById();
    const keys = new Set(this.sourceKeys);
    const touched = new Set<string>();
    for (const e of this.truth.evidence) {
      const key = keys.has(e.id) ? e.id : requests.get(e.id)?.row_key;
      if (key !== undefined) touched.add(key);
    }
    return touched;
  }
}

/** A sink table, ordered by key; empty when no run has created it. */
export async function readSink(db: RunDb, table: string): Promise<SinkRow[]> {
  const exists = await db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?',
    [table],
  );
  return exists!.n > 0
    ? db.all<SinkRow>(`SELECT key, value, run_id, custom_id FROM ${table} ORDER BY key`)
    : [];
}
