import fc from 'fast-check';

/**
 * Output schemas from the subset the simulated model answers (src/sim/model/schema-answer.ts):
 * objects nested three deep with required and optional fields, arrays with item counts, enums,
 * consts, integers and numbers with open or closed ranges and steps, strings with lengths,
 * simple patterns or a format, nullable types, and anyOf/oneOf of differently typed branches.
 * Every schema it makes can be satisfied, and compiles under the pipeline's compiler.
 */
export function outputSchema(): fc.Arbitrary<Record<string, unknown>> {
  const { object } = fc.letrec<{ value: Record<string, unknown>; object: Record<string, unknown> }>(
    (tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leafSchema(),
        tie('object'),
        fc
          .record({ type: fc.constant('array'), items: tie('value') }, { requiredKeys: ['type'] })
          .chain(arrayBounds),
        branches(),
      ),
      object: fc.dictionary(fieldName(), tie('value'), { minKeys: 1, maxKeys: 4 }).chain((properties) =>
        fc.record({
          type: fc.constant('object'),
          properties: fc.constant(properties),
          required: fc.subarray(Object.keys(properties)),
          additionalProperties: fc.boolean(),
        }),
      ),
    }),
  );
  return object;
}

function fieldName(): fc.Arbitrary<string> {
  return fc.constantFrom(
    'label',
    'queue',
    'priority',
    'items',
    'customer',
    'score',
    'tags',
    'notes',
    'address',
  );
}

const PATTERNS = [
  '^[A-Z]{3}-\\d{4}$',
  '^[a-z]+$',
  '\\d{2,4}',
  '^(low|medium|high)$',
  '^[A-Z][a-z]*( [A-Z][a-z]*)?$',
  '^[^@\\s]+@[a-z]+\\.com$',
  '^SKU-[0-9]{3,5}$',
  '^(?:\\+\\d{1,3} )?\\d{3}[-.]\\d{4}$',
];

function leafSchema(): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    stringSchema(),
    fc.record({ type: fc.constant('string'), pattern: fc.constantFrom(...PATTERNS) }),
    fc.record({ type: fc.constant('string'), format: fc.constantFrom('date', 'email', 'uri', 'uuid') }),
    fc.record({
      enum: fc.uniqueArray(fc.constantFrom('billing', 'tech', 'sales', 'other', 'low', 'high'), {
        minLength: 1,
        maxLength: 5,
      }),
    }),
    fc.record({
      type: fc.constant('string'),
      enum: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
    }),
    fc.record({ const: fc.oneof(fc.string(), fc.integer(), fc.constant({ kind: 'fixed' })) }),
    numberSchema('integer'),
    numberSchema('number'),
    fc.constant({ type: 'boolean' }),
    fc.constant({ type: 'null' }),
    fc.constant({ type: ['string', 'null'], maxLength: 20 }),
  );
}

function stringSchema(): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      min: fc.option(fc.nat(30), { nil: undefined }),
      extra: fc.option(fc.nat(40), { nil: undefined }),
    })
    .map(({ min, extra }) => ({
      type: 'string',
      ...(min === undefined ? {} : { minLength: min }),
      ...(extra === undefined ? {} : { maxLength: (min ?? 0) + extra }),
    }));
}

/** A range that holds at least one value of its type (two whole steps apart when open). */
function numberSchema(type: 'integer' | 'number'): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      low: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined }),
      span: fc.integer({ min: 2, max: 500 }),
      bounded: fc.constantFrom('both', 'low', 'high'),
      open: fc.boolean(),
      step: fc.constantFrom(undefined, 1, 2, 5, 0.5, 0.25),
    })
    .map(({ low, span, bounded, open, step }) => {
      const schema: Record<string, unknown> = { type };
      const lo = low ?? 0;
      const stepped = step !== undefined && (type === 'number' || Number.isInteger(step));
      const hi = lo + span * (stepped ? step : 1);
      if (low !== undefined && bounded !== 'high') schema[open ? 'exclusiveMinimum' : 'minimum'] = lo;
      if (bounded !== 'low') schema[open ? 'exclusiveMaximum' : 'maximum'] = hi;
      if (stepped) schema.multipleOf = step;
      return schema;
    });
}

function arrayBounds(schema: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      min: fc.option(fc.nat(3), { nil: undefined }),
      extra: fc.option(fc.nat(4), { nil: undefined }),
    })
    .map(({ min, extra }) => ({
      ...schema,
      ...(min === undefined ? {} : { minItems: min }),
      ...(extra === undefined ? {} : { maxItems: (min ?? 0) + extra }),
    }));
}

/** anyOf of any leaves, or oneOf of leaves of different types, so each value fits one branch. */
function branches(): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    fc.record({ anyOf: fc.array(leafSchema(), { minLength: 1, maxLength: 3 }) }),
    fc
      .shuffledSubarray([stringSchema(), numberSchema('integer'), fc.constant({ type: 'boolean' })], {
        minLength: 1,
      })
      .chain((arbitraries) => fc.tuple(...arbitraries))
      .map((oneOf) => ({ oneOf })),
  );
}
