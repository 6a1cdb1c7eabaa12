import type { Rng } from '../seed.js';
import { schemaAnswer } from './schema-answer.js';
import { canonicalJson, isRecord } from './schema-fits.js';
import type { SchemaBreak, TaskAnswer } from './task-answer.js';
import { enumFields, propertyOf } from './task-schema.js';

/** Tries at drawing a field's value that differs from the right one before giving up. */
const REDRAWS_MAX = 6;
/** Values a model writes when it strays from an enum: near the task's words, outside the list. */
const STRAY_VALUES = ['other', 'unknown', 'mixed', 'n/a'];

/**
 * A wrong answer that the schema still accepts: one field the golden row grades (drawn at
 * random) gets another allowed value. A field with a single allowed value cannot be wrong.
 */
export function misanswer(
  value: Record<string, unknown>,
  schema: Record<string, unknown>,
  expected: Readonly<Record<string, unknown>>,
  rng: Rng,
): void {
  const fields = Object.keys(expected).filter((field) => propertyOf(schema, field) !== undefined);
  const field = fields[rng.int(fields.length)];
  if (field === undefined) return;
  const right = canonicalJson(expected[field]);
  for (let tries = 0; tries < REDRAWS_MAX; tries++) {
    const other = schemaAnswer(propertyOf(schema, field) as Record<string, unknown>, rng);
    if (canonicalJson(other) === right) continue;
    value[field] = other;
    return;
  }
}

/**
 * An answer broken the way real models break one, each way that applies equally likely: the
 * JSON fenced in a ```json block, a required field left out, or an enum field given a value
 * outside its list.
 */
export function breakAnswer(
  value: Record<string, unknown>,
  schema: Record<string, unknown>,
  rng: Rng,
): TaskAnswer {
  const required = (Array.isArray(schema.required) ? schema.required.map(String) : []).filter((f) =>
    Object.hasOwn(value, f),
  );
  const enums = enumFields(schema).filter((f) => Object.hasOwn(value, f));
  const ways: SchemaBreak[] = ['fenced'];
  if (required.length > 0) ways.push('missing_field');
  if (enums.length > 0) ways.push('wrong_enum');
  const way = ways[rng.int(ways.length)]!;
  if (way === 'fenced')
    return { text: '```json\n' + JSON.stringify(value) + '\n```', value, obeyed: false, broken: way };
  if (way === 'missing_field') delete value[required[rng.int(required.length)]!];
  else {
    const field = enums[rng.int(enums.length)]!;
    const spec = propertyOf(schema, field);
    const allowed = new Set(isRecord(spec) && Array.isArray(spec.enum) ? spec.enum : []);
    value[field] = STRAY_VALUES.find((v) => !allowed.has(v)) ?? `${String(value[field])}-ish`;
  }
  return { text: JSON.stringify(value), value, obeyed: false, broken: way };
}
