import { z } from 'zod';
import { fitsSchema } from '../model/schema-fits.js';
import type { ModelReply } from '../model/simulated-model.js';
import { propertiesOf } from '../model/task-schema.js';
import { estimateTokens } from '../model/tokens.js';
import { batchIndexes, share } from './fault-params.js';
import { NotApplicable, type WorldFault } from './world-fault.js';

/** The ways an answer drifts from the job's schema, which the output gate must name. */
export const SCHEMA_BREAKS = [
  'malformed',
  'fenced',
  'wrong_enum',
  'out_of_range',
  'missing_field',
  'cut',
] as const;
/**
 * Every way an answer drifts: the schema breaks, and `wrong_value`, a drift in quality the schema
 * cannot see (another allowed value of an enum: still valid, now wrong), which only the golden
 * set notices.
 */
export const DRIFTS = [...SCHEMA_BREAKS, 'wrong_value'] as const;
export type Drift = (typeof DRIFTS)[number];

/** Parameters of `schema_drift`. */
export const schemaDriftParams = z.strictObject({
  /** Share of succeeded answers that drift, 0..1. */
  rate: share,
  /**
   * Which drifts to draw from, evenly: `malformed` (a brace missing), `fenced` (JSON in a ```json
   * block), `wrong_enum` (a value outside an enum), `out_of_range` (a number past its bound),
   * `missing_field` (a required field left out), `cut` (stopped at max_tokens midway), and, only
   * when named, `wrong_value` (another value the enum allows: the answer is valid and wrong). A
   * drift the job's schema has no field for is not drawn. Default: the six schema breaks.
   */
  variants: z
    .array(z.enum(DRIFTS))
    .min(1)
    .default([...SCHEMA_BREAKS]),
  /**
   * Creation-order indexes of the batches whose answers drift (0 is the run's first batch, the
   * canary when there is one): a model incident that hit some batches. Default: every batch.
   */
  batches: batchIndexes.optional(),
  /** Drift the batches from this creation-order index on (1: all but the run's first). */
  from_batch: z.int().min(0).optional(),
  /**
   * Drift only the answers of the job's `primary` or `escalation` model (a model incident hits
   * one model), read from the job when the drill prepares. Default: every model's.
   */
  model: z.enum(['primary', 'escalation']).optional(),
  /** The number pushed out of range (default: the schema's first top-level number with a bound). */
  number_field: z.string().min(1).optional(),
  /** The enum field given a value off its list (default: the schema's first top-level enum). */
  enum_field: z.string().min(1).optional(),
  /** The field left out (default: a required quote field, else the last required field). */
  missing_field: z.string().min(1).optional(),
});
export type SchemaDriftParams = z.infer<typeof schemaDriftParams>;

const NAME = 'schema_drift';

/** What each field drift writes, resolved from the job's schema (or today's review defaults). */
interface DriftPlan {
  variants: readonly Drift[];
  numberField: string;
  /** The value out of range: just past the number's bound. */
  outOfRange: number;
  enumField: string;
  /** A value not on the enum's list. */
  wrongEnum: string;
  /** The enum's allowed values, for `wrong_value` (another one of them). */
  allowed: readonly unknown[];
  missingField: string;
  /**
   * The job's schema, once prepared: an answer the model already broke (its own mistake) is not
   * drifted on top, so each drift stays the one defect the gate must name.
   */
  schema?: Record<string, unknown>;
}

/**
 * Schema drift in outputs: a share of succeeded answers is rewritten one of six ways before the
 * world writes and bills it. Evidence: `drifted:<variant>` by custom_id. The fields drifted come
 * from the job's schema when the drill prepares (a wrong enum, a number past its bound, a required
 * field left out); a fault built bare drifts the review example's score, label and evidence. When
 * the request forced a tool, the rewritten answer is still written as the call (world/tool-reply.ts):
 * a wrong enum, a number out of range or a missing field drift the call's input; malformed and
 * fenced text is no JSON, so it comes as a text block instead of a tool_use; a cut answer stops at
 * max_tokens with only the fields written whole before the cut (no tool_use block when none was).
 */
export function schemaDrift(params: SchemaDriftParams): WorldFault {
  const hit = params.batches === undefined ? null : new Set(params.batches);
  // The model whose answers drift, once the job is known (a fault built bare drifts every model's).
  let model: string | null = null;
  let plan: DriftPlan = {
    variants: params.variants,
    numberField: params.number_field ?? 'score',
    outOfRange: 1.5,
    enumField: params.enum_field ?? 'label',
    wrongEnum: 'mixed',
    allowed: ['positive', 'negative', 'neutral'],
    missingField: params.missing_field ?? 'evidence',
  };
  return {
    name: NAME,
    prepare(setup) {
      plan = planDrift(params, setup.targets.schema, setup.targets.quoteFields);
      if (params.model !== undefined) model = jobModel(setup.job, params.model);
    },
    reply(view, reply, ctx) {
      if (hit !== null && !hit.has(view.sequence)) return reply;
      if (params.from_batch !== undefined && view.sequence < params.from_batch) return reply;
      if (model !== null && view.model !== model) return reply;
      if (ctx.draw('drift', view.customId) >= params.rate) return reply;
      const variant = plan.variants[Math.floor(ctx.draw('variant', view.customId) * plan.variants.length)]!;
      if (plan.schema !== undefined && !answerFits(reply.text, plan.schema)) return reply;
      const other = ctx.draw('other', view.customId);
      const drifted = drift(reply, variant, plan, view.maxTokens, other);
      if (drifted === reply) return reply;
      ctx.record(`drifted:${variant}`, view.customId, view.batchId);
      return drifted;
    },
  };
}

/** The job's primary or escalation model, as its file names it; NotApplicable when it has none. */
function jobModel(job: Record<string, unknown>, which: 'primary' | 'escalation'): string {
  const models = job.models;
  const name =
    typeof models === 'object' && models !== null ? (models as Record<string, unknown>)[which] : undefined;
  if (typeof name !== 'string') throw new NotApplicable(NAME, `the job has no ${which} model`);
  return name;
}

/**
 * The drifts this schema allows and the fields they bend: a field given in the parameters is
 * used as given; one left out is found in the schema, and a drift with no field of its kind
 * there is left out of the draw. NotApplicable when no drift is left.
 */
function planDrift(
  params: SchemaDriftParams,
  schema: Record<string, unknown>,
  quoteFields: readonly string[],
): DriftPlan {
  const properties = propertiesOf(schema);
  const number = params.number_field === undefined ? boundedNumber(properties) : params.number_field;
  const enumField =
    params.enum_field ?? Object.keys(properties).find((f) => Array.isArray(spec(properties, f).enum));
  const missing = params.missing_field ?? missingField(schema, quoteFields);
  const lacking: Partial<Record<Drift, string>> = {
    out_of_range: number === undefined ? 'no top-level number with a minimum or maximum' : undefined,
    wrong_enum: enumField === undefined ? 'no top-level enum field' : undefined,
    wrong_value:
      enumValues(properties, enumField).length < 2 ? 'no top-level enum of two or more values' : undefined,
    missing_field: missing === undefined ? 'no required field' : undefined,
  };
  const variants = params.variants.filter((v) => lacking[v] === undefined);
  if (variants.length === 0) {
    const why = [...new Set(params.variants)].map((v) => `${lacking[v]} (${v})`).join(', ');
    throw new NotApplicable(NAME, `the output schema has ${why}`);
  }
  const allowed = enumValues(properties, enumField);
  return {
    variants,
    numberField: number ?? '',
    outOfRange: number === undefined ? 1.5 : pastBound(spec(properties, number)),
    enumField: enumField ?? '',
    wrongEnum: ['mixed', 'other', 'unknown'].find((v) => !allowed.includes(v)) ?? 'mixed (drifted)',
    allowed,
    missingField: missing ?? '',
    schema,
  };
}

function enumValues(properties: Record<string, unknown>, field: string | undefined): unknown[] {
  const values = field === undefined ? undefined : spec(properties, field).enum;
  return Array.isArray(values) ? values : [];
}

function spec(properties: Record<string, unknown>, field: string): Record<string, unknown> {
  const value = Object.hasOwn(properties, field) ? properties[field] : undefined;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The first top-level number or integer with a maximum or a minimum. */
function boundedNumber(properties: Record<string, unknown>): string | undefined {
  return Object.keys(properties).find((field) => {
    const s = spec(properties, field);
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const numeric = types.includes('number') || types.includes('integer');
    return numeric && (typeof s.maximum === 'number' || typeof s.minimum === 'number');
  });
}

/** Just past the number's bound: its maximum and one more (half more for a non-integer), else under its minimum; 1.5 with no bound. */
function pastBound(s: Record<string, unknown>): number {
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const step = types.includes('integer') && !types.includes('number') ? 1 : 0.5;
  if (typeof s.maximum === 'number') return s.maximum + step;
  if (typeof s.minimum === 'number') return s.minimum - step;
  return 1.5;
}

/** A required field to leave out: the first required quote field, else the last required field. */
function missingField(schema: Record<string, unknown>, quoteFields: readonly string[]): string | undefined {
  const required = Array.isArray(schema.required)
    ? schema.required.filter((f): f is string => typeof f === 'string')
    : [];
  return quoteFields.find((f) => required.includes(f)) ?? required.at(-1);
}

/** `other`, a draw in [0, 1), picks the value a `wrong_value` drift gives instead. */
function drift(reply: ModelReply, variant: Drift, plan: DriftPlan, maxTokens: number, other = 0): ModelReply {
  let value: unknown;
  try {
    value = JSON.parse(reply.text);
  } catch {
    return reply; // not JSON to begin with (a generic task, or an obeyed injection): nothing to drift
  }
  const text = (t: string): ModelReply => ({ ...reply, text: t, outputTokens: estimateTokens(t) });
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  switch (variant) {
    case 'malformed':
      return text(reply.text.slice(0, -1));
    case 'fenced':
      return text('```json\n' + reply.text + '\n```');
    case 'wrong_enum':
      return object ? text(JSON.stringify({ ...object, [plan.enumField]: plan.wrongEnum })) : reply;
    case 'wrong_value': {
      if (!object) return reply;
      const current = (object as Record<string, unknown>)[plan.enumField];
      const others = plan.allowed.filter((v) => JSON.stringify(v) !== JSON.stringify(current));
      if (others.length === 0) return reply;
      return text(JSON.stringify({ ...object, [plan.enumField]: others[Math.floor(other * others.length)] }));
    }
    case 'out_of_range':
      return object ? text(JSON.stringify({ ...object, [plan.numberField]: plan.outOfRange })) : reply;
    case 'missing_field': {
      // An answer without the field (an optional one) cannot lose it: no drift.
      if (!object || !Object.hasOwn(object, plan.missingField)) return reply;
      const { [plan.missingField]: _, ...rest } = object as Record<string, unknown>;
      return text(JSON.stringify(rest));
    }
    case 'cut':
      return {
        ...reply,
        text: reply.text.slice(0, Math.ceil(reply.text.length / 2)),
        stopReason: 'max_tokens',
        outputTokens: maxTokens, // a reply stopped by max_tokens used all of them
      };
  }
}

/** Does the answer text hold JSON the schema accepts? */
function answerFits(text: string, schema: Record<string, unknown>): boolean {
  try {
    return fitsSchema(schema, JSON.parse(text));
  } catch {
    return false;
  }
}
