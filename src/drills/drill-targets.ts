import type { Job } from '../pipeline/job/job.js';
import { templateColumns } from '../pipeline/prompt/render-request.js';
import type { DrillRow, DrillTargets } from '../sim/faults/world-fault.js';

/**
 * Where a drill's faults act in `job`, read from the job (clean, before any fault) and its rows:
 * the key, the template's columns with the longest text first (ties in the template's order), the
 * source's columns, the output schema and the quote fields.
 */
export function drillTargets(
  job: Pick<Job, 'key' | 'template' | 'schema' | 'quoteFields'>,
  columns: readonly string[],
  rows: readonly DrillRow[],
): DrillTargets {
  const used = templateColumns(job.template);
  const length = new Map(used.map((c) => [c, meanLength(rows, c)]));
  return {
    key: job.key,
    textColumns: [...used].sort((a, b) => length.get(b)! - length.get(a)!),
    columns: [...columns],
    schema: job.schema,
    quoteFields: [...job.quoteFields],
  };
}

function meanLength(rows: readonly DrillRow[], column: string): number {
  let total = 0;
  for (const r of rows) {
    const value = r.row[column];
    total += typeof value === 'string' ? value.length : JSON.stringify(value ?? '').length;
  }
  return total / Math.max(1, rows.length);
}
