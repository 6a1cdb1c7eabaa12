import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { RunDb } from '../../src/pipeline/db/run-db.js';
import type { Env } from '../../src/pipeline/env.js';
import type { Job } from '../../src/pipeline/job/job.js';
import { parseJob } from '../../src/pipeline/job/load-job.js';
import { type RunSummary, resumeRun, startRun } from '../../src/pipeline/run/run-job.js';
import type { LogEntry } from '../../src/pipeline/run/run-log.js';
import { type InProcessWorld, inProcessWorld } from '../../src/sim/sim-world.js';
import type { WorldOptions } from '../../src/sim/world/batch-world.js';

const POSITIVE = [
  'I love it, works perfectly.',
  'Excellent quality and fast shipping.',
  'Great value, would buy again.',
];
const NEGATIVE = [
  'Arrived broken, I want a refund.',
  'Terrible, stopped working after a week.',
  'Poor quality and late delivery.',
];

/** A CSV of `rows` short reviews with keys rev-0001…, alternating clear positives and negatives. */
export function reviewsCsv(rows: number, edit: (i: number, text: string) => string = (_, t) => t): string {
  const lines = ['id,sku,text'];
  for (let i = 1; i <= rows; i++) {
    const pool = i % 2 ? POSITIVE : NEGATIVE;
    const text = edit(i, pool[i % pool.length]!);
    lines.push(`rev-${String(i).padStart(4, '0')},SKU-${i % 7},"${text.replaceAll('"', '""')}"`);
  }
  return `${lines.join('\n')}\n`;
}

export const GOLDEN = [
  { id: 'g-1', sku: 'SKU-1', text: 'I love it, works perfectly.', expected: { label: 'positive' } },
  { id: 'g-2', sku: 'SKU-2', text: 'Arrived broken, I want a refund.', expected: { label: 'negative' } },
  { id: 'g-3', sku: 'SKU-3', text: 'Excellent quality and fast shipping.', expected: { label: 'positive' } },
  {
    id: 'g-4',
    sku: 'SKU-4',
    text: 'Terrible, stopped working after a week.',
    expected: { label: 'negative' },
  },
];

export const TEMPLATE =
  'Classify the sentiment of the customer review. labels: positive, negative, neutral. ' +
  'Answer with JSON {"label", "score", "evidence"}; quote the evidence verbatim from the review.\n{{text}}';

export const SCHEMA = {
  type: 'object',
  properties: {
    label: { enum: ['positive', 'negative', 'neutral'] },
    score: { type: 'number', minimum: 0, maximum: 1 },
    evidence: { type: 'string', maxLength: 200 },
  },
  required: ['label', 'score', 'evidence'],
  additionalProperties: false,
};

/** A folder with reviews.csv, golden.jsonl, schema.json and job.yaml; `yamlOverrides` replace keys. */
export function jobFolder(
  rows: number,
  yamlOverrides = '',
  csv = reviewsCsv(rows),
): { dir: string; job: Job } {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-job-'));
  writeFileSync(join(dir, 'reviews.csv'), csv);
  writeFileSync(join(dir, 'golden.jsonl'), GOLDEN.map((g) => JSON.stringify(g)).join('\n'));
  writeFileSync(join(dir, 'schema.json'), JSON.stringify(SCHEMA));
  const defaults: Record<string, unknown> = {
    name: 'reviews',
    source: 'reviews.csv',
    key: 'id',
    template: TEMPLATE,
    schema: 'schema.json',
    models: { primary: 'claude-haiku-4-5', escalation: 'claude-sonnet-4-5' },
    max_tokens: 200,
    cost_ceiling_usd: 10,
    golden: 'golden.jsonl',
    poll_interval_seconds: 60,
  };
  // Overrides replace top-level keys; a key set to null in them is removed.
  const merged = { ...defaults, ...((YAML.parse(yamlOverrides) as Record<string, unknown> | null) ?? {}) };
  for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
  const yaml = YAML.stringify(merged);
  writeFileSync(join(dir, 'job.yaml'), yaml);
  return { dir, job: parseJob(yaml, join(dir, 'job.yaml')) };
}

export interface SimRun {
  sim: InProcessWorld;
  db: RunDb;
  env: Env;
  entries: LogEntry[];
  start(job: Job): Promise<RunSummary>;
  resume(runId: string): Promise<RunSummary>;
}

/** A simulated world and a run database in `dir`, wired the way `batchguard run` wires them. */
export async function simRun(dir: string, world: Omit<WorldOptions, 'clock'> = { seed: 1 }): Promise<SimRun> {
  const sim = inProcessWorld(world);
  const db = await RunDb.open(join(dir, 'runs.duckdb'));
  const entries: LogEntry[] = [];
  const env: Env = {
    clock: sim.clock,
    fetch: sim.fetch,
    baseURL: sim.baseURL,
    apiKey: 'sim-key',
    log: () => {},
  };
  return {
    sim,
    db,
    env,
    entries,
    start: (job) =>
      startRun({ db, env, job, mode: 'simulation', seed: world.seed, onEntry: (e) => entries.push(e) }),
    resume: (runId) => resumeRun(db, runId, env, (e) => entries.push(e)),
  };
}
