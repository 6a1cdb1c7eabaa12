import fc from 'fast-check';

/*
 * What a broken API could send back instead of a clean results file or batch object: each
 * mutation is plain data (printed as the shrunk counterexample, replayed from it), and
 * test/support/response-taps.ts applies it to the responses of a simulated run.
 */

/** Stands for "remove this field" among the values a field may be set to. */
export const MISSING = '(missing)';

/** Odd values for a field of a results line or a batch object: wrong types, signs and sizes. */
const oddValue = fc.constantFrom<unknown>(
  MISSING,
  null,
  7,
  -5,
  1.5,
  1e20,
  '12',
  '',
  'withheld',
  'errored',
  'canceled',
  true,
  [],
  {},
  ['x'],
  { nested: { deep: 1 } },
);

/** Fields of a results line to set to an odd value ([] of a succeeded line's path ends in an extra field). */
const LINE_PATHS: readonly (readonly (string | number)[])[] = [
  ['custom_id'],
  ['result'],
  ['result', 'type'],
  ['result', 'message'],
  ['result', 'message', 'content'],
  ['result', 'message', 'content', 0],
  ['result', 'message', 'content', 0, 'type'],
  ['result', 'message', 'content', 0, 'text'],
  ['result', 'message', 'stop_reason'],
  ['result', 'message', 'usage'],
  ['result', 'message', 'usage', 'input_tokens'],
  ['result', 'message', 'usage', 'output_tokens'],
  ['result', 'error'],
  // Extra fields: a later API may add some, and they must change nothing.
  ['extra_field'],
  ['result', 'extra_field'],
  ['result', 'message', 'extra_field'],
];

/** A change to one line (its index taken modulo the file's line count) or to the whole body. */
export type LineMutation =
  | { kind: 'not_json'; at: number; text: string }
  | { kind: 'json_not_object'; at: number; value: unknown }
  | { kind: 'blank_line'; at: number; text: string }
  | { kind: 'cut_line'; at: number; keepShare: number }
  | { kind: 'set_field'; at: number; path: readonly (string | number)[]; value: unknown }
  | { kind: 'duplicate'; at: number }
  | { kind: 'truncate_body'; keepShare: number }
  | { kind: 'drop_connection'; keepShare: number }
  | { kind: 'empty_body' };

/** Mutations of one results file (by download order, from 0), on its first download or on every one. */
export interface ResultsMutation {
  file: number;
  everyTry: boolean;
  changes: LineMutation[];
}

/** A change to the request_counts of one batch (by the order it was first retrieved, from 0) once it has ended. */
export interface CountsMutation {
  batch: number;
  /** A field of request_counts, or null for request_counts itself. */
  field: 'processing' | 'succeeded' | 'errored' | 'canceled' | 'expired' | null;
  /** An odd value, or a number added to the field (a sum that disagrees). */
  value: { set: unknown } | { add: number };
}

export interface ResponseMutations {
  results: ResultsMutation[];
  counts: CountsMutation[];
}

const at = fc.nat(999);
const share = fc.double({ min: 0.05, max: 0.95, noNaN: true });

const lineMutation: fc.Arbitrary<LineMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('not_json' as const),
    at,
    text: fc.constantFrom('not json', '{"custom_id": "r_', '}{', 'NaN', '\u0000', '{"a":1}{"b":2}'),
  }),
  fc.record({
    kind: fc.constant('json_not_object' as const),
    at,
    value: fc.constantFrom<unknown>(5, 'text', null, true, [], [{ custom_id: 'x' }]),
  }),
  fc.record({ kind: fc.constant('blank_line' as const), at, text: fc.constantFrom('', '   ', '\t') }),
  fc.record({ kind: fc.constant('cut_line' as const), at, keepShare: share }),
  fc.record({
    kind: fc.constant('set_field' as const),
    at,
    path: fc.constantFrom(...LINE_PATHS),
    value: oddValue,
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at }),
  fc.record({ kind: fc.constant('truncate_body' as const), keepShare: share }),
  fc.record({ kind: fc.constant('drop_connection' as const), keepShare: share }),
  fc.record({ kind: fc.constant('empty_body' as const) }),
);

const countsMutation: fc.Arbitrary<CountsMutation> = fc
  .record({
    batch: fc.nat(2),
    field: fc.constantFrom('processing', 'succeeded', 'errored', 'canceled', 'expired', null),
    value: fc.oneof(
      fc.record({ set: oddValue }),
      fc.record({ add: fc.integer({ min: -50, max: 50 }).filter((n) => n !== 0) }),
    ),
  })
  .filter((m) => m.field !== null || 'set' in m.value);

/** A mix of results-file and batch-object mutations for one small run (a file it names may never come). */
export function responseMutations(): fc.Arbitrary<ResponseMutations> {
  return fc.record({
    results: fc.array(
      fc.record({
        // A small run downloads two to four files: the canary's, the main batch's, retries.
        file: fc.nat(2),
        everyTry: fc.boolean(),
        changes: fc.array(lineMutation, { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    counts: fc.array(countsMutation, { maxLength: 2 }),
  });
}
