import type { ModelTier } from '../../core/price-table.js';
import type { Rng } from '../seed.js';
import { findInjection, findTemplateInstruction } from './instructions.js';
import { INJECTION_OBEY_RATES, LABEL_ERROR_RATES, SCHEMA_BREAK_SHARE } from './rates.js';
import { schemaAnswer } from './schema-answer.js';
import { isRecord } from './schema-fits.js';
import { breakAnswer, misanswer } from './task-mistakes.js';
import { carriesValues, readTaskPrompt, type TaskPrompt } from './task-prompt.js';
import { quoteFrom } from './task-quote.js';
import { freeTextFields, propertiesOf, propertyOf } from './task-schema.js';

/**
 * The task a world is configured with (WorldOptions.task): what the simulated model has learned of
 * the job, as a model is told a task. It is the job as its team wrote it, never what a fault did
 * to it: a poisoned template or an injected row reaches the model only through the prompt.
 */
export interface ModelTask {
  /** The job's output schema: every answer is drawn from it. */
  schema: Record<string, unknown>;
  /** The job's golden rows, known answers the model gives when it recognises their data. */
  golden?: readonly GoldenAnswer[];
  /** Answer fields that quote the row (the job's quote_fields): a verbatim span of the data. */
  quoteFields?: readonly string[];
}

export interface GoldenAnswer {
  /**
   * The row's value of each column the clean template's placeholders name, as the pipeline
   * renders it into the prompt (a string as is, a number or a nested value as its text).
   */
  values: Readonly<Record<string, string>>;
  /** The fields of the right answer (the golden file's `expected`). */
  expected: Readonly<Record<string, unknown>>;
}

/** The model's answer before the reply layer wraps it in a text block or a tool_use block. */
export interface TaskAnswer {
  /** The answer as text: compact JSON, JSON broken the way models break it, or plain words. */
  text: string;
  /** The answer as an object when it is one (a tool call's input); undefined for plain words. */
  value: Record<string, unknown> | undefined;
  /** Did the model obey an instruction planted in the data (ground truth, never on the wire)? */
  obeyed: boolean;
  /** How the model broke the schema by its own mistake, if it did (`value` is then the object it meant). */
  broken?: SchemaBreak;
}

/** The ways the model itself breaks an answer, the ways real models do. */
export type SchemaBreak = 'fenced' | 'missing_field' | 'wrong_enum';

/** Seeded draws of one reply, one stream per purpose, so a draw added for one never shifts another. */
export type TaskDraws = (purpose: 'answer' | 'quote' | 'obey' | 'mistake') => Rng;

/**
 * The simulated model's answer to a prompt for a configured task (THE PROMPT PROTOCOL, task mode,
 * in simulated-model.ts): a template instruction is obeyed, an injection in the data sometimes,
 * a recognised golden row gets its expected fields, any other row a plausible answer the schema
 * accepts, and a share of answers err at the tier's rates.
 */
export function answerTask(prompt: string, task: ModelTask, tier: ModelTier, draws: TaskDraws): TaskAnswer {
  const read = readTaskPrompt(prompt);
  const quoteFields = task.quoteFields ?? [];
  const base = () => answerObject(task, read, draws);
  // Unfenced, the model cannot tell the template from the data, so it searches all of it.
  const ordered = templateInstruction(read.outside);
  if (ordered !== undefined) return instructed(base(), task.schema, ordered, false);
  // Unfenced, nothing marks where a row's values are: an injection is read anywhere in the prompt.
  const injection = findInjection(read.fenced ? read.values.join('\n') : read.prompt);
  const obeyRate = INJECTION_OBEY_RATES[read.fenced ? 'fenced' : 'unfenced'][tier];
  if (injection !== undefined && draws('obey').next() < obeyRate) {
    const value = base();
    for (const field of quoteFields.length > 0 ? quoteFields : freeTextFields(task.schema).slice(0, 1))
      if (typeof value[field] === 'string') value[field] = injection.sentence;
    return instructed(value, task.schema, injection.target, true);
  }
  const golden = findGolden(read, task.golden ?? []);
  const value = base();
  if (golden !== undefined) Object.assign(value, structuredClone(golden.expected));
  const mistake = draws('mistake');
  const errorRate = LABEL_ERROR_RATES[tier].clear;
  const unit = mistake.next();
  if (unit < errorRate * SCHEMA_BREAK_SHARE) return breakAnswer(value, task.schema, mistake);
  if (unit < errorRate && golden !== undefined) misanswer(value, task.schema, golden.expected, mistake);
  return { text: JSON.stringify(value), value, obeyed: false };
}

// Every row of a run shares its template, so the last instruction read is nearly always the one
// needed (as classify.ts keeps its template rules).
let lastOutside: string | undefined;
let lastOrdered: string | undefined;

function templateInstruction(outside: string): string | undefined {
  if (outside !== lastOutside) {
    lastOrdered = findTemplateInstruction(outside);
    lastOutside = outside;
  }
  return lastOrdered;
}

/** A plausible answer: drawn from the schema, its quote fields filled from the data. */
function answerObject(task: ModelTask, read: TaskPrompt, draws: TaskDraws): Record<string, unknown> {
  const drawn = schemaAnswer(task.schema, draws('answer'));
  const value = isRecord(drawn) && !Array.isArray(drawn) ? drawn : {};
  const quote = draws('quote');
  for (const field of task.quoteFields ?? []) {
    const spec = propertyOf(task.schema, field);
    if (!Object.hasOwn(value, field) || !isRecord(spec) || spec.type !== 'string') continue;
    value[field] = quoteFrom(read.values, quote, spec);
  }
  return value;
}

/**
 * An instruction obeyed: when what it demands is an allowed value of an enum field, the answer
 * stays JSON with that field set (the first such field); otherwise the whole answer is the demand.
 */
function instructed(
  value: Record<string, unknown>,
  schema: Record<string, unknown>,
  target: string,
  obeyed: boolean,
): TaskAnswer {
  for (const [field, spec] of Object.entries(propertiesOf(schema))) {
    const allowed = isRecord(spec) && Array.isArray(spec.enum) ? spec.enum : [];
    const match = allowed.find((v) => typeof v === 'string' && v.toLowerCase() === target.toLowerCase());
    if (match === undefined) continue;
    value[field] = match;
    return { text: JSON.stringify(value), value, obeyed };
  }
  return { text: target, value: undefined, obeyed };
}

/**
 * The golden row whose values the prompt carries as the clean template renders them. The index
 * (by a golden row's first value) is built once per task: a run asks for every row.
 */
function findGolden(read: TaskPrompt, golden: readonly GoldenAnswer[]): GoldenAnswer | undefined {
  if (golden.length === 0) return undefined;
  if (!read.fenced) return golden.find((g) => carriesValues(read, Object.values(g.values)));
  let index = GOLDEN_INDEX.get(golden);
  if (index === undefined) {
    index = new Map();
    for (const g of golden) {
      const first = Object.values(g.values).find((v) => v.trim() !== '');
      if (first !== undefined) index.set(first, [...(index.get(first) ?? []), g]);
    }
    GOLDEN_INDEX.set(golden, index);
  }
  for (const value of read.values)
    for (const g of index.get(value) ?? []) if (carriesValues(read, Object.values(g.values))) return g;
  return undefined;
}

const GOLDEN_INDEX = new WeakMap<readonly GoldenAnswer[], Map<string, GoldenAnswer[]>>();
