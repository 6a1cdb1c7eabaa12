/**
 * Whether a value fits a JSON Schema, for the simulated model's own use: choosing the `oneOf`
 * branch a generated answer fits alone, the enum values its siblings allow, a number that kept
 * its bounds after rounding. It covers the subset the answer generator writes for (schema-answer.ts)
 * and no more; the pipeline's gate (ajv) stays the judge of what is valid. The sim may not import
 * the pipeline's code, and ajv's compile costs ~30 ms a schema, too much to pay inside the model.
 */
export type Schema = Record<string, unknown> | boolean;

const PATTERNS = new Map<string, RegExp | null>();

/** The `pattern` as ajv compiles it (unicode flag), or null if it does not compile. */
export function patternOf(source: string): RegExp | null {
  let regex = PATTERNS.get(source);
  if (regex === undefined) {
    try {
      regex = new RegExp(source, 'u');
    } catch {
      regex = null;
    }
    if (PATTERNS.size > 256) PATTERNS.clear();
    PATTERNS.set(source, regex);
  }
  return regex;
}

/** JSON text with object keys sorted, so equal values compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, inner) =>
    isRecord(inner) && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.keys(inner)
            .sort()
            .map((key) => [key, inner[key]]),
        )
      : inner,
  );
}

/** Does `value` fit `schema`? `root` resolves local `$ref`s (`#/$defs/…`, `#/definitions/…`). */
export function fitsSchema(schema: Schema, value: unknown, root: Schema = schema): boolean {
  if (typeof schema === 'boolean') return schema;
  if (typeof schema.$ref === 'string' && !fitsSchema(resolveRef(root, schema.$ref), value, root))
    return false;
  if ('const' in schema && canonicalJson(schema.const) !== canonicalJson(value)) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((v) => canonicalJson(v) === canonicalJson(value)))
    return false;
  if (schema.type !== undefined && !typesOf(schema.type).some((type) => hasType(value, type))) return false;
  const fits = (inner: unknown, v: unknown) => fitsSchema(inner as Schema, v, root);
  if (Array.isArray(schema.allOf) && !schema.allOf.every((s) => fits(s, value))) return false;
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => fits(s, value))) return false;
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter((s) => fits(s, value)).length !== 1) return false;
  if (schema.not !== undefined && fits(schema.not, value)) return false;
  if (typeof value === 'number') return fitsNumber(schema, value);
  if (typeof value === 'string') return fitsString(schema, value);
  if (Array.isArray(value)) return fitsArray(schema, value, fits);
  if (isRecord(value)) return fitsObject(schema, value, fits);
  return true;
}

/** The schema a local `$ref` points to (`true`, anything, when it cannot be resolved). */
export function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) return true;
  let at: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    at = isRecord(at) ? at[key] : undefined;
  }
  return typeof at === 'boolean' || isRecord(at) ? (at as Schema) : true;
}

export function typesOf(type: unknown): string[] {
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [String(type)];
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value) && !Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function fitsNumber(s: Record<string, unknown>, n: number): boolean {
  if (typeof s.minimum === 'number' && n < s.minimum) return false;
  if (typeof s.maximum === 'number' && n > s.maximum) return false;
  if (typeof s.exclusiveMinimum === 'number' && n <= s.exclusiveMinimum) return false;
  if (typeof s.exclusiveMaximum === 'number' && n >= s.exclusiveMaximum) return false;
  // ajv's own test for multipleOf, so a value it would refuse for float error is refused here too.
  return typeof s.multipleOf !== 'number' || (n / s.multipleOf) % 1 === 0;
}

function fitsString(s: Record<string, unknown>, text: string): boolean {
  const length = [...text].length; // code points, as ajv counts
  if (typeof s.minLength === 'number' && length < s.minLength) return false;
  if (typeof s.maxLength === 'number' && length > s.maxLength) return false;
  return typeof s.pattern !== 'string' || patternOf(s.pattern)?.test(text) === true;
}

type Fits = (schema: unknown, value: unknown) => boolean;

function fitsArray(s: Record<string, unknown>, items: unknown[], fits: Fits): boolean {
  if (typeof s.minItems === 'number' && items.length < s.minItems) return false;
  if (typeof s.maxItems === 'number' && items.length > s.maxItems) return false;
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
  for (let i = 0; i < items.length; i++) {
    const inner = i < prefix.length ? prefix[i] : s.items;
    if (inner !== undefined && !fits(inner, items[i])) return false;
  }
  if (s.uniqueItems === true && new Set(items.map(canonicalJson)).size !== items.length) return false;
  return true;
}

function fitsObject(s: Record<string, unknown>, object: Record<string, unknown>, fits: Fits): boolean {
  const keys = Object.keys(object);
  if (typeof s.minProperties === 'number' && keys.length < s.minProperties) return false;
  if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) return false;
  if (Array.isArray(s.required) && !s.required.every((key) => Object.hasOwn(object, String(key))))
    return false;
  const properties = isRecord(s.properties) ? s.properties : {};
  for (const key of keys) {
    const inner = Object.hasOwn(properties, key) ? properties[key] : s.additionalProperties;
    if (inner !== undefined && !fits(inner, object[key])) return false;
  }
  return true;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
