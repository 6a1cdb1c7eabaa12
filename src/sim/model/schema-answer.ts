import type { Rng } from '../seed.js';
import { patternString } from './pattern-string.js';
import { fitsSchema, isRecord, resolveRef, type Schema, typesOf } from './schema-fits.js';

/**
 * A value that fits a JSON Schema, drawn from `rng`: what the simulated model writes when it
 * answers a job's output schema. It covers what the pipeline's schema compiler is given in
 * practice: `type` (one or a list), `properties`, `required`, `additionalProperties`, `items`,
 * `prefixItems`, `minItems`/`maxItems`, `uniqueItems`, `enum`, `const`, `minimum`/`maximum` and
 * their exclusive forms, `multipleOf`, `minLength`/`maxLength`, `pattern`, `format` (a plausible
 * date, time, email, uri or uuid), `minProperties`, local `$ref`, and `anyOf`/`oneOf` (a branch is
 * laid over its siblings and kept when the whole schema accepts the value).
 *
 * Limits, on purpose: a `pattern` outside the simple subset patternString reads gets a plain
 * string, which may not match; `allOf`, `not`, `contains`, `patternProperties` and `if`/`then`
 * are not written for (the value is drawn from the other keywords and may fail them); an
 * unsatisfiable schema gets its nearest try. Optional fields appear 70 % of the time, arrays hold
 * their minimum plus up to three items, strings one to six words: answers of a realistic size.
 */
export function schemaAnswer(schema: Schema, rng: Rng): unknown {
  return new AnswerWriter(schema, rng).write(schema, 0);
}

/** Past this depth optional fields and extra items stop, so a recursive `$ref` ends. */
const DEPTH_MAX = 6;
const OPTIONAL_SHARE = 0.7;
const ITEMS_EXTRA_MAX = 3;
const BRANCH_TRIES = 6;
// biome-ignore format: a word list reads best packed
const WORDS = [
  'order', 'delivery', 'account', 'refund', 'invoice', 'customer', 'product', 'issue', 'request',
  'update', 'shipping', 'payment', 'support', 'details', 'summary', 'status', 'item', 'note',
  'review', 'team', 'service', 'price', 'report', 'contact', 'address', 'question', 'reply',
];
const FORMATS: Record<string, string> = {
  date: '2026-03-14',
  'date-time': '2026-03-14T09:30:00Z',
  time: '09:30:00Z',
  email: 'customer@example.com',
  uri: 'https://example.com/orders/1042',
  uuid: '3f2b8c1e-9d4a-4e6f-8a2b-7c1d5e9f0a3b',
};

/**
 * The enum values an enum schema's other keywords allow, by schema object: a run answers the same
 * schema for every row, and checking each value costs more than drawing the whole answer.
 */
const ENUM_POOLS = new WeakMap<object, unknown[]>();

/** A copy the caller may change (a golden answer is laid over it); primitives need none. */
function copy<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

class AnswerWriter {
  constructor(
    private readonly root: Schema,
    private readonly rng: Rng,
  ) {}

  write(schema: Schema, depth: number): unknown {
    if (schema === false) return null; // nothing fits: the nearest try is a null
    if (schema === true) return this.words(0, Infinity);
    if (typeof schema.$ref === 'string') return this.write(resolveRef(this.root, schema.$ref), depth + 1);
    if ('const' in schema) return copy(schema.const);
    if (Array.isArray(schema.enum)) return this.fromEnum(schema, schema.enum);
    const branches = Array.isArray(schema.oneOf) ? schema.oneOf : schema.anyOf;
    if (Array.isArray(branches) && branches.length > 0) return this.fromBranches(schema, branches, depth);
    switch (this.typeOf(schema)) {
      case 'object':
        return this.object(schema, depth);
      case 'array':
        return this.array(schema, depth);
      case 'integer':
        return this.number(schema, true);
      case 'number':
        return this.number(schema, false);
      case 'boolean':
        return this.rng.next() < 0.5;
      case 'null':
        return null;
      default:
        return this.string(schema);
    }
  }

  private fromEnum(schema: Record<string, unknown>, values: unknown[]): unknown {
    let pool = ENUM_POOLS.get(schema);
    if (pool === undefined) {
      const fitting = values.filter((value) => fitsSchema(schema, value, this.root));
      pool = fitting.length > 0 ? fitting : values;
      ENUM_POOLS.set(schema, pool);
    }
    return copy(pool[this.rng.int(pool.length)]);
  }

  /** A branch laid over its siblings, tried in a seeded order until the whole schema accepts one. */
  private fromBranches(schema: Record<string, unknown>, branches: unknown[], depth: number): unknown {
    const { oneOf: _one, anyOf: _any, ...siblings } = schema;
    let value: unknown;
    for (let tries = 0; tries < BRANCH_TRIES; tries++) {
      const branch = branches[this.rng.int(branches.length)];
      const merged = isRecord(branch) ? { ...siblings, ...branch } : siblings;
      if (isRecord(branch) && Array.isArray(siblings.required) && Array.isArray(branch.required))
        merged.required = [...siblings.required, ...branch.required];
      value = this.write(branch === false ? false : merged, depth);
      if (fitsSchema(schema, value, this.root)) return value;
    }
    return value;
  }

  private typeOf(schema: Record<string, unknown>): string {
    if (schema.type !== undefined) {
      const types = typesOf(schema.type);
      // A nullable field is answered, not left null, most of the time, as a model would.
      const answered = types.filter((type) => type !== 'null');
      const pool = answered.length > 0 && this.rng.next() < 0.9 ? answered : types;
      return pool[this.rng.int(pool.length)] ?? 'string';
    }
    if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
    if ('items' in schema || 'prefixItems' in schema || 'minItems' in schema) return 'array';
    if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'].some((k) => k in schema))
      return 'number';
    return 'string';
  }

  private object(schema: Record<string, unknown>, depth: number): Record<string, unknown> {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
    const extra = schema.additionalProperties;
    const out: Record<string, unknown> = {};
    const optional: string[] = [];
    for (const key of Object.keys(properties)) {
      if (required.has(key) || (depth < DEPTH_MAX && this.rng.next() < OPTIONAL_SHARE))
        out[key] = this.write(properties[key] as Schema, depth + 1);
      else optional.push(key);
    }
    for (const key of required)
      if (!Object.hasOwn(out, key)) out[key] = this.write(isRecord(extra) ? extra : true, depth + 1);
    const min = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
    for (const key of optional) {
      if (Object.keys(out).length >= min) break;
      out[key] = this.write(properties[key] as Schema, depth + 1);
    }
    for (let i = 1; Object.keys(out).length < min && extra !== false && i <= min; i++)
      out[`field_${i}`] = this.write(isRecord(extra) ? extra : true, depth + 1);
    return out;
  }

  private array(schema: Record<string, unknown>, depth: number): unknown[] {
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const max = typeof schema.maxItems === 'number' ? Math.max(min, schema.maxItems) : Infinity;
    const room = depth < DEPTH_MAX ? Math.min(max, min + ITEMS_EXTRA_MAX) - min : 0;
    let count = min + this.rng.int(room + 1);
    if (schema.items === false) count = Math.min(count, prefix.length);
    const unique = schema.uniqueItems === true;
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const inner = (i < prefix.length ? prefix[i] : (schema.items ?? true)) as Schema;
      let value = this.write(inner, depth + 1);
      for (let tries = 0; unique && seen.has(JSON.stringify(value)) && tries < BRANCH_TRIES; tries++)
        value = this.write(inner, depth + 1);
      if (unique && seen.has(JSON.stringify(value)) && out.length >= min) break;
      seen.add(JSON.stringify(value));
      out.push(value);
    }
    return out;
  }

  private number(schema: Record<string, unknown>, integer: boolean): number {
    const range = rangeOf(schema, integer);
    const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : undefined;
    let value = range.low / 2 + range.high / 2;
    for (let tries = 0; tries < BRANCH_TRIES; tries++) {
      value = this.numberIn(range, integer, step, tries);
      if (fitsSchema(schema, value)) return value;
    }
    return value;
  }

  /**
   * A draw in the range: whole, a multiple of `step`, or with 2 decimals (4 on a second try, and
   * so on, since rounding can land on an open bound); the last try is the exact midpoint.
   */
  private numberIn(range: Range, integer: boolean, step: number | undefined, tries: number): number {
    const { low, high } = range;
    const unit = this.rng.next();
    if (step !== undefined && step > 0) {
      const first = firstWhole(low / step, range.lowOpen);
      return (
        (first + Math.floor(unit * (Math.max(first, lastWhole(high / step, range.highOpen)) - first + 1))) *
        step
      );
    }
    if (integer) {
      const first = firstWhole(low, range.lowOpen);
      return first + Math.floor(unit * (Math.max(first, lastWhole(high, range.highOpen)) - first + 1));
    }
    if (tries === BRANCH_TRIES - 1) return low / 2 + high / 2;
    const spanned = Number.isFinite(high - low) ? low + unit * (high - low) : low / 2 + high / 2;
    const scale = 10 ** (2 + tries * 2);
    return Math.round(spanned * scale) / scale;
  }

  private string(schema: Record<string, unknown>): string {
    const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
    if (typeof schema.pattern === 'string') {
      for (let tries = 0; tries < BRANCH_TRIES * 2; tries++) {
        const text = patternString(schema.pattern, this.rng);
        if (text === undefined) break;
        if (fitsSchema(schema, text)) return text;
      }
    }
    const formatted = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
    if (formatted !== undefined && formatted.length >= min && formatted.length <= max) return formatted;
    return this.words(min, max);
  }

  /** One to six words, padded or cut to the length bounds (code points; the words are ASCII). */
  private words(min: number, max: number): string {
    const count = 1 + this.rng.int(6);
    let text = '';
    for (let i = 0; i < count || text.length < min; i++)
      text += (text === '' ? '' : ' ') + WORDS[this.rng.int(WORDS.length)];
    if (text.length > max) text = text.slice(0, max).trimEnd();
    return text.length < min ? text.padEnd(min, 'x') : text;
  }
}

interface Range {
  low: number;
  high: number;
  /** The bound is exclusive: the value may come near it, not take it. */
  lowOpen: boolean;
  highOpen: boolean;
}

/** A number's bounds; an unbounded side gets a realistic span (a count or a score, not 1e300). */
function rangeOf(schema: Record<string, unknown>, integer: boolean): Range {
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const min = num('minimum') ?? -Infinity;
  const exclusiveMin = num('exclusiveMinimum') ?? -Infinity;
  const max = num('maximum') ?? Infinity;
  const exclusiveMax = num('exclusiveMaximum') ?? Infinity;
  let low = Math.max(min, exclusiveMin);
  let high = Math.min(max, exclusiveMax);
  if (low === -Infinity) low = high === Infinity ? 0 : high - 100;
  if (high === Infinity) high = low + (integer ? 100 : 1);
  return {
    low,
    high,
    lowOpen: exclusiveMin > -Infinity && exclusiveMin >= min,
    highOpen: exclusiveMax < Infinity && exclusiveMax <= max,
  };
}

/** The least whole number in the range from `low`: an open bound on a whole number is one step in. */
function firstWhole(low: number, open: boolean): number {
  return open && Number.isInteger(low) ? low + 1 : Math.ceil(low);
}

function lastWhole(high: number, open: boolean): number {
  return open && Number.isInteger(high) ? high - 1 : Math.floor(high);
}
