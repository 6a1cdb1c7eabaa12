import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetCommand } from '../src/cli/dataset-command.js';
import { capturingIo } from '../src/cli/io.js';
import { batchCostUsd, findModel } from '../src/core/price-table.js';
import { loadJob } from '../src/pipeline/job/load-job.js';
import { fenceTag, renderRequest } from '../src/pipeline/prompt/render-request.js';
import { estimateInputTokens } from '../src/pipeline/run/preflight.js';
import { generateReviews } from '../src/sim/datasets/reviews-dataset.js';
import { simulateModel } from '../src/sim/model/simulated-model.js';
import { ROOT } from './source-files.js';

const EXAMPLE = join(ROOT, 'examples/reviews');
const job = await loadJob(join(EXAMPLE, 'job.yaml'));
const duckdb = await DuckDBInstance.create(':memory:');
const connection = await duckdb.connect();
const dir = mkdtempSync(join(tmpdir(), 'batchguard-example-'));
afterAll(() => {
  connection.closeSync();
  duckdb.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function rendered(row: Record<string, unknown>, model: string, fence: string | null) {
  const request = renderRequest(job.template, row, { model, maxTokens: job.maxTokens, fence });
  if ('unfenceable' in request) throw new Error(`unfenceable row ${String(row.id)}`);
  return request;
}

describe('the example job, examples/reviews', () => {
  it('loads, with every key set as its comments describe', () => {
    expect(job).toMatchObject({
      name: 'reviews',
      source: { path: join(EXAMPLE, 'reviews.csv'), format: 'csv' },
      key: 'id',
      models: { primary: 'claude-haiku-4-5', escalation: 'claude-sonnet-4-5' },
      maxTokens: 200,
      golden: { path: join(EXAMPLE, 'golden.jsonl'), baseline: null, minScore: 0.8 },
      fence: true,
      sink: { table: 'record' },
    });
    expect(job.schema).toMatchObject({
      required: ['label', 'score', 'evidence'],
      additionalProperties: false,
    });
  });

  it('ships the files `batchguard dataset reviews` writes for seed 1: 3,000 reviews, 60 golden rows', async () => {
    const [out, golden] = [join(dir, 'reviews.csv'), join(dir, 'golden.jsonl')];
    await datasetCommand(
      ['reviews', '--seed', '1', '--rows', '3000', '--out', out, '--golden', golden],
      capturingIo([]),
    );
    expect(readFileSync(out).equals(readFileSync(job.source.path)), 'reviews.csv').toBe(true);
    expect(readFileSync(golden).equals(readFileSync(job.golden.path!)), 'golden.jsonl').toBe(true);
  });

  it('fits its worst case, every row and golden row on both models at full max_tokens, under the ceiling', async () => {
    const read = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
    const rows = await read(`select * from read_csv('${job.source.path}')`);
    const golden = await read(`select * exclude (expected) from read_json('${job.golden.path}')`);
    expect([rows.length, golden.length]).toEqual([3000, 60]);
    const fence = fenceTag('any-run');
    let inputTokens = 0;
    for (const row of [...rows, ...golden]) {
      inputTokens += estimateInputTokens(rendered(row, 'any', fence).params.messages[0].content);
    }
    const outputTokens = 3060 * job.maxTokens;
    const usd = (model: string) => batchCostUsd(findModel(model)!, inputTokens, outputTokens);
    // The figures the job file's comment gives.
    expect(inputTokens).toBe(481_865);
    expect(usd(job.models.primary)).toBeCloseTo(1.77, 2);
    expect(usd(job.models.escalation!)).toBeCloseTo(5.31, 2);
    const worstUsd = usd(job.models.primary) + usd(job.models.escalation!);
    expect(worstUsd).toBeCloseTo(7.08, 2);
    expect(worstUsd * 1.4).toBeLessThan(job.costCeilingUsd);
  });

  it('gets at least 85 % of generated reviews right from the large model, fenced', () => {
    const sonnet = findModel(job.models.escalation!)!;
    const fence = fenceTag('accuracy-run');
    let right = 0;
    let total = 0;
    for (const seed of [1, 2]) {
      for (const review of generateReviews(seed, 2000)) {
        const request = rendered(review.row, sonnet.id, fence);
        const reply = simulateModel(seed, {
          model: sonnet,
          messages: request.params.messages,
          maxTokens: job.maxTokens,
        });
        total++;
        if ((JSON.parse(reply.text) as { label: string }).label === review.label) right++;
      }
    }
    expect(right / total).toBeGreaterThanOrEqual(0.85);
  });
});
