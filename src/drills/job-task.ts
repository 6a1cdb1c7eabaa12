import { readFileSync } from 'node:fs';
import type { Job } from '../pipeline/job/job.js';
import { templateColumns, valueText } from '../pipeline/prompt/render-request.js';
import type { GoldenAnswer, ModelTask } from '../sim/model/simulated-model.js';

/**
 * What the simulated world is told of a job so that its model can answer it (the model's TASK
 * MODE): the output schema, the golden rows' values as the job's own template renders them with
 * their expected answers, and the fields that quote the row. It is the job as the team wrote it,
 * read before any fault acts, never what a fault later did to the template or the rows. A golden
 * line the pipeline would refuse is left out here; the run refuses it with its line.
 */
export function jobTask(job: Pick<Job, 'schema' | 'template' | 'golden' | 'quoteFields'>): ModelTask {
  const columns = templateColumns(job.template);
  const golden: GoldenAnswer[] = [];
  for (const line of job.golden.path ? readLines(job.golden.path) : []) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(parsed) || !isObject(parsed.expected)) continue;
    const row = parsed;
    if (columns.some((c) => row[c] === undefined || row[c] === null)) continue;
    golden.push({
      values: Object.fromEntries(columns.map((c) => [c, valueText(row[c])])),
      expected: parsed.expected,
    });
  }
  return { schema: job.schema, golden, quoteFields: job.quoteFields };
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
  } catch {
    return [];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
