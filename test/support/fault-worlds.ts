import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import YAML from 'yaml';
import { renderRequest } from '../../src/pipeline/prompt/render-request.js';
import { generateReviews } from '../../src/sim/datasets/reviews-dataset.js';
import type { HttpFault } from '../../src/sim/faults/http-fault.js';
import type {
  DrillSetup,
  FaultEvidence,
  SourceHandle,
  WorldFault,
} from '../../src/sim/faults/world-fault.js';
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
  options: { httpFaults?: readonly HttpFault[]; source?: SourceHandle } = {},
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

/** A drill's setup as the drill runner builds it: the shipped example job and `count` generated rows. */
export function exampleSetup(seed: number, count: number, injectionRate = 0): DrillSetup {
  const job = YAML.parse(readFileSync(EXAMPLE_JOB, 'utf8')) as Record<string, unknown>;
  return { job, rows: [...generateReviews(seed, count, { injectionRate })] };
}

/**
 * The requests a pipeline would send for `setup` as it stands (custom_id = row key), rendered
 * from its template with the real renderer; `fence` null sends values bare.
 */
export function setupRequests(setup: DrillSetup, fence: string | null = 'data-0123456789ab'): BatchRequest[] {
  const template = String(setup.job.template);
  return setup.rows.map(({ row }) => {
    const rendered = renderRequest(template, row, {
      model: String((setup.job.models as { primary: string }).primary),
      maxTokens: Number(setup.job.max_tokens),
      fence,
    });
    if ('unfenceable' in rendered) throw new Error(`row ${row.id} cannot be fenced`);
    return { custom_id: row.id, params: rendered.params };
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
