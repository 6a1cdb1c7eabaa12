import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import YAML from 'yaml';
import { drillTargets } from '../../src/drills/drill-targets.js';
import { jobTask } from '../../src/drills/job-task.js';
import type { Job } from '../../src/pipeline/job/job.js';
import { parseJob } from '../../src/pipeline/job/load-job.js';
import { answerTool } from '../../src/pipeline/prompt/answer-tool.js';
import { renderRequest } from '../../src/pipeline/prompt/render-request.js';
import { type GeneratedReview, generateReviews } from '../../src/sim/datasets/reviews-dataset.js';
import type { HttpFault } from '../../src/sim/faults/http-fault.js';
import {
  type DrillRow,
  type DrillSetup,
  type FaultEvidence,
  rowKey,
  type SourceHandle,
  type WorldFault,
} from '../../src/sim/faults/world-fault.js';
import type { ModelTask } from '../../src/sim/model/simulated-model.js';
import { type InProcessWorld, inProcessWorld } from '../../src/sim/sim-world.js';
import type { BatchRequest, MessageBatchJson } from '../../src/sim/world/api-types.js';
import { DAY_MS, HOUR_MS } from './harnesses.js';

/*
 * Helpers for the fault families' tests: a world carrying some faults, batches created on it
 * directly (the world is plain TypeScript), the clock run past the 24 h window, and the results
 * file read back as parsed lines.
 */

/** A results-file line as the tests read it. */
export interface ResultLine {
  custom_id: string;
  result: {
    type: 'succeeded' | 'errored' | 'canceled' | 'expired';
    message?: {
      content: { type: 'text'; text: string }[];
      stop_reason: string;
      usage: { input_tokens: number; output_tokens: number };
    };
    error?: { type: 'error'; error: { type: string; message: string } };
  };
}

export interface FaultWorld extends InProcessWorld {
  /** The SDK over the in-process fetch, without retries. */
  client: Anthropic;
  /** Create a batch straight on the world. */
  create(requests: readonly BatchRequest[]): MessageBatchJson;
  /** Move virtual time past every batch's 24 h expiry, so all have ended. */
  endAll(): void;
  /** A batch's results file, line by line, parsed. */
  lines(batchId: string): ResultLine[];
  /** The world's evidence, optionally of one kind. */
  evidence(kind?: string): FaultEvidence[];
}

export function faultWorld(
  seed: number,
  faults: readonly WorldFault[],
  options: {
    httpFaults?: readonly HttpFault[];
    source?: SourceHandle;
    task?: ModelTask;
    armAtPrepare?: boolean;
  } = {},
): FaultWorld {
  const sim = inProcessWorld({ seed, faults, ...options });
  const { world, clock } = sim;
  return {
    ...sim,
    client: new Anthropic({ apiKey: 'sim-key', baseURL: sim.baseURL, fetch: sim.fetch, maxRetries: 0 }),
    create: (requests) => {
      const body = JSON.stringify({ requests });
      return world.create(body, Buffer.byteLength(body));
    },
    endAll: () => clock.advance(DAY_MS + HOUR_MS),
    lines: (batchId) => [...world.resultLinesOf(batchId)].map((line) => JSON.parse(line) as ResultLine),
    evidence: (kind) => world.groundTruth().evidence.filter((e) => kind === undefined || e.kind === kind),
  };
}

/** The text of a succeeded line (undefined for any other type). */
export function textOf(line: ResultLine): string | undefined {
  return line.result.message?.content[0]?.text;
}

/** Ids of the evidence, sorted. */
export function idsOf(evidence: readonly FaultEvidence[]): string[] {
  return evidence.map((e) => e.id).sort();
}

/** Ids of the lines of one result type, sorted. */
export function idsOfType(lines: readonly ResultLine[], type: ResultLine['result']['type']): string[] {
  return lines
    .filter((l) => l.result.type === type)
    .map((l) => l.custom_id)
    .sort();
}

const EXAMPLE_JOB = fileURLToPath(new URL('../../examples/reviews/job.yaml', import.meta.url));
/** The generated reviews' columns, in the order the source file holds them. */
const REVIEW_COLUMNS = ['id', 'sku', 'country', 'text'];

/** A drill setup over generated reviews: their rows keep their ground truth and their string columns. */
export type ExampleSetup = Omit<DrillSetup, 'rows'> & { rows: GeneratedReview[] };

/** A drill's setup as the drill runner builds it: the shipped example job and `count` generated rows. */
export function exampleSetup(seed: number, count: number, injectionRate = 0): ExampleSetup {
  const text = readFileSync(EXAMPLE_JOB, 'utf8');
  const job = YAML.parse(text) as Record<string, unknown>;
  const rows = [...generateReviews(seed, count, { injectionRate })];
  return { job, rows, targets: drillTargets(parseJob(text, EXAMPLE_JOB), REVIEW_COLUMNS, rows) };
}

/** The example jobs besides the reviews one, by folder name under examples/. */
export type ExampleJobName = 'support-tickets' | 'contract-extraction' | 'tool-call';

/**
 * A drill's setup for one of the other example jobs, as a drill of a team's own job builds it:
 * the job file as written, the first `count` rows of its source file (CSV or JSONL), no ground
 * truth, and the targets read from both. `parsed` is the job as the pipeline loads it.
 */
export function exampleJobSetup(name: ExampleJobName, count: number): DrillSetup & { parsed: Job } {
  const path = fileURLToPath(new URL(`../../examples/${name}/job.yaml`, import.meta.url));
  const text = readFileSync(path, 'utf8');
  const parsed = parseJob(text, path);
  const records =
    parsed.source.format === 'csv'
      ? readCsv(parsed.source.path)
      : readFileSync(parsed.source.path, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
  const rows: DrillRow[] = records.slice(0, count).map((row) => ({ row, injected: false }));
  const columns = Object.keys(records[0] ?? {});
  return {
    job: YAML.parse(text) as Record<string, unknown>,
    rows,
    targets: drillTargets(parsed, columns, rows),
    parsed,
  };
}

/** What the world's model is told of an example job (its schema, golden rows and quote fields). */
export function exampleTask(setup: { parsed: Job }): ModelTask {
  return jobTask(setup.parsed);
}

/**
 * The requests a pipeline would send for `setup` as it stands (custom_id = row key), rendered
 * from its template with the real renderer; `fence` null sends values bare. A setup whose job
 * answers by a forced tool (`parsed` in tool mode) sends the tool too.
 */
export function setupRequests(
  setup: DrillSetup & { parsed?: Job },
  fence: string | null = 'data-0123456789ab',
): BatchRequest[] {
  const template = String(setup.job.template);
  const tool = setup.parsed === undefined ? null : answerTool(setup.parsed);
  return setup.rows.map((drillRow) => {
    const key = rowKey(drillRow, setup.targets);
    const rendered = renderRequest(template, drillRow.row, {
      model: String((setup.job.models as { primary: string }).primary),
      maxTokens: Number(setup.job.max_tokens),
      fence,
      tool,
    });
    if ('unfenceable' in rendered) throw new Error(`row ${key} cannot be fenced`);
    return { custom_id: key, params: rendered.params };
  });
}

/** Rows of a CSV file as the RFC 4180 writer wrote them (quoted fields, doubled quotes, `\n`). */
export function readCsv(path: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  const text = readFileSync(path, 'utf8');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (quoted || (c !== ',' && c !== '\n')) field += c;
    else {
      record.push(field);
      field = '';
      if (c === '\n') {
        records.push(record);
        record = [];
      }
    }
  }
  const [header, ...rows] = records;
  return rows.map((values) => Object.fromEntries(header!.map((name, k) => [name, values[k] ?? ''])));
}
