import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { findModel } from '../../core/price-table.js';
import { sinkNameProblem } from '../db/schema.js';
import { compileOutputSchema } from '../gate/compile-schema.js';
import { templateColumns } from '../prompt/render-request.js';
import type { Job } from './job.js';
import { ALERT_KINDS, PAGING_DEFAULT } from './job.js';

/**
 * The job file's shape (snake_case, as written in YAML) and its mapping onto `Job`. Every object
 * is strict, so a typo such as `max_token` is a problem rather than a silently ignored key; file
 * checks run inside the schema so that one parse reports every problem at once.
 */
export function jobFileSchema(jobPath: string) {
  const folder = dirname(jobPath);
  const fileAt = (what: string) =>
    z
      .string()
      .min(1)
      .transform((path, ctx) => {
        const absolute = resolve(folder, path);
        if (!isFile(absolute)) ctx.addIssue({ code: 'custom', message: `${what} not found: ${absolute}` });
        return absolute;
      });

  const source = shorthand(
    'path',
    z.strictObject({
      path: fileAt('source file'),
      format: z.enum(['csv', 'jsonl', 'ndjson', 'parquet']).optional(),
    }),
  ).transform((value, ctx): Job['source'] => {
    const format = value.format ?? FORMAT_OF_EXTENSION[extname(value.path).toLowerCase()];
    if (format === undefined) {
      const message = `cannot tell the format of ${basename(value.path)}: use .csv, .jsonl, .ndjson or .parquet, or add format: csv`;
      ctx.addIssue({ code: 'custom', path: ['path'], message });
    }
    return { path: value.path, format: format === 'ndjson' ? 'jsonl' : (format ?? 'csv') };
  });

  const schema = z.unknown().transform((value, ctx) => {
    const loaded = typeof value === 'string' ? readJsonFile(resolve(folder, value)) : { value };
    const problem = 'problem' in loaded ? loaded.problem : outputSchemaProblem(loaded.value);
    if ('problem' in loaded || problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem! });
      return {};
    }
    return loaded.value as Record<string, unknown>;
  });

  const golden = shorthand(
    'path',
    z.strictObject({
      path: fileAt('golden file'),
      baseline: share.nullable().default(null),
      min_score: share.default(0.8),
    }),
  );

  return z
    .strictObject({
      name: z.string().min(1).optional(),
      source,
      key: z.string().min(1),
      template: z.string().refine((text) => templateColumns(text).length > 0, {
        message: 'must contain at least one {{column}} placeholder',
      }),
      schema,
      models: z.strictObject({
        primary: z.string().min(1),
        escalation: z.string().min(1).nullable().default(null),
      }),
      max_tokens: z.int().min(1).max(128_000),
      cost_ceiling_usd: z
        .number({ error: (iss) => (iss.input === undefined ? CEILING_REQUIRED : undefined) })
        .positive(),
      canary: z
        .strictObject({
          enabled: z.boolean().default(true),
          fraction: z.number().positive().max(0.5).default(0.02),
          // A slice, sent as one round: more than one batch's 100,000 requests is no slice.
          min_rows: z.int().min(1).max(100_000).default(20),
        })
        .prefault({}),
      golden: golden.nullable().default(null),
      thresholds: z
        .strictObject({
          validity_min: share.default(0.9),
          golden_drop_points: z.number().min(0).max(100).default(3),
          error_rate_max: share.default(0.05),
          label_share_max: share.default(0.9),
          // Off by default: every valid row passed the gate on its own, so the alarm pages a
          // person and the run exits 1, but the rows are delivered (a run with none valid holds).
          hold_below_validity_min: z.boolean().default(false),
          // A slow drift never crosses one run's line: fit the leading metrics over the job's last
          // `runs` runs (this one included) and alarm on a total move or a slope the wrong way.
          trend: z
            .strictObject({
              runs: z.int().min(2).max(100).default(3),
              validity_drop: share.default(0.01),
              validity_slope: share.default(0.005),
              escalation_rise: share.default(0.05),
              escalation_slope: share.default(0.02),
              golden_drop: share.default(0.03),
              golden_slope: share.default(0.015),
            })
            .prefault({}),
        })
        .prefault({}),
      distribution_field: z.string().min(1).nullable().default('label'),
      quote_fields: z.array(z.string().min(1)).default(['evidence']),
      fence: z.boolean().default(true),
      sink: shorthand(
        'table',
        z.strictObject({
          table: z
            .string()
            .regex(SQL_IDENTIFIER, SQL_IDENTIFIER_RULE)
            .superRefine((table, ctx) => {
              const problem = sinkNameProblem(table);
              if (problem) ctx.addIssue({ code: 'custom', message: `${problem}: choose another name` });
            }),
        }),
      ).default({
        table: 'record',
      }),
      attempts: z.int().min(1).max(10).default(3),
      max_in_flight: z.int().min(1).max(32).default(4),
      // The API's own limit is 100,000 requests a batch (and 256 MB, which the chunker keeps to).
      max_batch_requests: z.int().min(1).max(100_000).default(100_000),
      // A poll interval longer than the 24 h batch window would miss every batch's end. Batches
      // take minutes to hours, so polling more than once a second only spends the rate limit; and
      // a tiny interval (1e-300) never moves a simulated clock, so such a run would poll forever.
      poll_interval_seconds: z.number().min(1).max(86_400).default(60),
      // How long an outage of the API (no connection, 5xx, 429) is ridden out before the run stops
      // for a later `resume`: a batch keeps running on the API meanwhile, so waiting costs nothing.
      outage_wait_minutes: z.number().min(0).max(1440).default(60),
      // How answers come back: as the reply's JSON text, or as the input of a tool call that
      // every request forces (tool_choice), whose input_schema is the output schema.
      // Where alarms page a person: a webhook (a JSON POST) and which kinds of alarm page; the
      // rest are only logged. Delivery never blocks or fails the run.
      alerts: z
        .strictObject({
          webhook: z
            .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
            .nullable()
            .default(null),
          page: z.array(z.enum(ALERT_KINDS)).default([...PAGING_DEFAULT]),
        })
        .prefault({}),
      output: z
        .strictObject({
          mode: z.enum(['text', 'tool']).default('text'),
          tool_name: z.string().regex(TOOL_NAME, TOOL_NAME_RULE).default('record_answer'),
        })
        .prefault({}),
    })
    .superRefine((raw, ctx) => {
      // The API refuses a tool whose input_schema is not of type object (SDK: Tool.InputSchema).
      if (raw.output.mode === 'tool' && raw.schema.type !== 'object')
        ctx.addIssue({
          code: 'custom',
          path: ['schema'],
          message: 'must have "type": "object" with output mode tool: it is sent as the tool\'s input_schema',
        });
    })
    .transform(
      (raw): Job => ({
        name: raw.name ?? basename(jobPath, extname(jobPath)),
        path: jobPath,
        source: raw.source,
        key: raw.key,
        template: raw.template,
        schema: raw.schema,
        models: raw.models,
        maxTokens: raw.max_tokens,
        costCeilingUsd: raw.cost_ceiling_usd,
        canary: { enabled: raw.canary.enabled, fraction: raw.canary.fraction, minRows: raw.canary.min_rows },
        golden: {
          path: raw.golden?.path ?? null,
          baseline: raw.golden?.baseline ?? null,
          minScore: raw.golden?.min_score ?? 0.8,
        },
        thresholds: {
          validityMin: raw.thresholds.validity_min,
          goldenDropPoints: raw.thresholds.golden_drop_points,
          errorRateMax: raw.thresholds.error_rate_max,
          labelShareMax: raw.thresholds.label_share_max,
          holdBelowValidityMin: raw.thresholds.hold_below_validity_min,
          trend: {
            runs: raw.thresholds.trend.runs,
            validityDrop: raw.thresholds.trend.validity_drop,
            validitySlope: raw.thresholds.trend.validity_slope,
            escalationRise: raw.thresholds.trend.escalation_rise,
            escalationSlope: raw.thresholds.trend.escalation_slope,
            goldenDrop: raw.thresholds.trend.golden_drop,
            goldenSlope: raw.thresholds.trend.golden_slope,
          },
        },
        alerts: { webhook: raw.alerts.webhook, page: raw.alerts.page },
        distributionField: raw.distribution_field,
        quoteFields: raw.quote_fields,
        fence: raw.fence,
        sink: raw.sink,
        attempts: raw.attempts,
        maxInFlight: raw.max_in_flight,
        maxBatchRequests: raw.max_batch_requests,
        pollIntervalSeconds: raw.poll_interval_seconds,
        outageWaitMinutes: raw.outage_wait_minutes,
        output: { mode: raw.output.mode, toolName: raw.output.tool_name },
      }),
    );
}

/**
 * What the job's models cannot do, each with its key's path: a model with no known price, or a
 * `max_tokens` above what a model can write (the API would refuse every request, one by one).
 * Apart from the schema because a job under test may name a model on purpose; drill scenarios
 * and the pipeline's plan both ask it.
 */
export function jobModelProblems(job: Pick<Job, 'models' | 'maxTokens'>): JobModelProblem[] {
  const problems: JobModelProblem[] = [];
  for (const role of ['primary', 'escalation'] as const) {
    const model = job.models[role];
    if (!model) continue;
    const info = findModel(model);
    if (!info)
      problems.push({
        code: 'unknown_model',
        path: ['models', role],
        message: `no price is known for model "${model}": use a model from src/core/price-table.ts`,
        hint: 'Or add the model there, with its prices.',
      });
    else if (job.maxTokens > info.maxOutputTokens)
      // The API would refuse every request of the run, one by one (an errored result each).
      problems.push({
        code: 'max_tokens_too_large',
        path: ['max_tokens'],
        message: `max_tokens ${job.maxTokens} is above the ${info.maxOutputTokens} that ${model} can write`,
        hint: `Lower max_tokens to ${info.maxOutputTokens} or less in the job file.`,
      });
  }
  return problems;
}

/** A model a job names that no run of it could use, found before anything is recorded. */
export interface JobModelProblem {
  code: 'unknown_model' | 'max_tokens_too_large';
  path: string[];
  message: string;
  hint: string;
}

const CEILING_REQUIRED = 'is required: live mode refuses to launch a job without a spend limit (USD)';
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SQL_IDENTIFIER_RULE = 'must be a SQL identifier: a letter or _, then up to 62 letters, digits or _';
/** The API's pattern for a tool's name (the 400 it sends for another names it). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_NAME_RULE = "must be 1 to 64 letters, digits, _ or - (the API's rule for tool names)";
const FORMAT_OF_EXTENSION: Record<string, 'csv' | 'jsonl' | 'parquet'> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
};

/** A share or score, 0..1. */
const share = z.number().min(0).max(1);

/** `key: value` may stand for `key: {field: value}` (e.g. `golden: golden.jsonl`). */
function shorthand<T extends z.ZodType>(field: string, object: T) {
  return z.preprocess((value) => (typeof value === 'string' ? { [field]: value } : value), object);
}

function isFile(path: string): boolean {
  // A path with a NUL byte names no file (node refuses it outright): not found, not a crash.
  if (path.includes('\0')) return false;
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function readJsonFile(path: string): { value: unknown } | { problem: string } {
  if (!isFile(path)) return { problem: `schema file not found: ${path}` };
  try {
    return { value: JSON.parse(readFileSync(path, 'utf8')) };
  } catch (error) {
    return { problem: `${path} is not valid JSON: ${(error as Error).message}` };
  }
}

/**
 * Why a job's output schema cannot be used, or undefined: compiled exactly as the output gate
 * will compile it, so a schema that loads is a schema that runs.
 */
function outputSchemaProblem(value: unknown): string | undefined {
  if (value === undefined) return 'is required';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be a JSON Schema object, or the path of a .json file holding one';
  }
  try {
    compileOutputSchema(value as Record<string, unknown>);
    return undefined;
  } catch (error) {
    return `does not compile: ${(error as Error).message.replace("Failed to compile the job's output schema: ", '')}`;
  }
}
