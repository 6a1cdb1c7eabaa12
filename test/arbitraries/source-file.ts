import fc from 'fast-check';

/** One source row as generated: its key and its `text`, which may be absent, null or not a string. */
export interface SourceRow {
  id: string;
  sku: string;
  /** `undefined`: the field is absent (JSONL), or the cell empty (CSV). */
  text: unknown;
}

/**
 * What is done to the file once written. Those in MUST_REFUSE leave a file that is not the text
 * its format promises, so the run must be refused; the others must not change a value read.
 */
export type SourceMutation =
  | 'none'
  | 'bom'
  | 'crlf'
  | 'no_final_newline'
  | 'blank_lines'
  | 'empty_file'
  | 'header_only'
  | 'nul_byte'
  | 'invalid_utf8'
  | 'array_line'
  | 'scalar_line'
  | 'truncated_line'
  | 'binary';

/** Whether `c` must be refused (exit 2): its file is not what its format promises, or its keys repeat. */
export function mustRefuse(c: SourceCase): boolean {
  const always: SourceMutation[] = ['empty_file', 'nul_byte', 'invalid_utf8', 'binary'];
  const jsonl: SourceMutation[] = ['array_line', 'scalar_line', 'truncated_line', 'bom'];
  return (
    always.includes(c.mutation) ||
    (c.format === 'jsonl' && jsonl.includes(c.mutation)) ||
    (c.mutation !== 'header_only' && new Set(c.rows.map((r) => r.id)).size < c.rows.length)
  );
}

/**
 * Whether `c` must run (exit 0 or 1) with every row read as written: a mutation that changes no
 * value, unique keys, and a text column the reader can find (some row has one).
 */
export function mustRun(c: SourceCase): boolean {
  const harmless: SourceMutation[] = ['none', 'crlf', 'no_final_newline', 'header_only'];
  if (c.format === 'csv') harmless.push('bom');
  if (c.format === 'jsonl') harmless.push('blank_lines');
  return (
    !mustRefuse(c) &&
    harmless.includes(c.mutation) &&
    c.rows.some((r) => r.text !== undefined && r.text !== null)
  );
}

export interface SourceCase {
  format: 'csv' | 'jsonl' | 'parquet';
  rows: SourceRow[];
  mutation: SourceMutation;
}

/** Text of every kind a review may hold: quotes, commas, newlines, CR, tabs, emoji, any code point. */
const oddText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 15 }),
  fc.string({
    unit: fc.constantFrom('"', ',', '\n', '\r\n', '\t', ';', '|', "'", '\\', ' ', 'a', 'é', '😀'),
    maxLength: 20,
  }),
  fc.constant('x'.repeat(20_000)), // a long field, well inside every limit
);

/** A value for `text`: mostly text, sometimes absent, null or of another JSON type (JSONL only). */
const textValue = (format: SourceCase['format']): fc.Arbitrary<unknown> => {
  const text = oddText.filter((t) => !t.includes('\0'));
  if (format === 'csv') return text;
  const missing = fc.constantFrom(undefined, null);
  if (format === 'parquet')
    return fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: missing });
  return fc.oneof(
    { weight: 6, arbitrary: text },
    { weight: 1, arbitrary: missing },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.integer({ min: -1000, max: 1000 }),
        fc.boolean(),
        fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      ),
    },
  );
};

/** Keys: readable ones, odd ones (spaces, quotes, unicode), and now and then a repeat or an empty one. */
const key = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,12}$/) },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
      .filter((k) => k.trim() === k && k.trim() !== '' && !k.includes('\0')),
  },
);

const MUTATIONS: Record<SourceCase['format'], SourceMutation[]> = {
  csv: [
    'none',
    'none',
    'bom',
    'crlf',
    'no_final_newline',
    'blank_lines',
    'empty_file',
    'header_only',
    'nul_byte',
    'invalid_utf8',
    'truncated_line',
    'binary',
  ],
  jsonl: [
    'none',
    'none',
    'bom',
    'crlf',
    'no_final_newline',
    'blank_lines',
    'empty_file',
    'nul_byte',
    'invalid_utf8',
    'array_line',
    'scalar_line',
    'truncated_line',
    'binary',
  ],
  parquet: ['none', 'none', 'empty_file', 'binary'],
};

/** A source file's content and what is done to it, in each format batchguard reads. */
export function sourceCase(): fc.Arbitrary<SourceCase> {
  return fc.constantFrom<SourceCase['format']>('csv', 'jsonl', 'parquet').chain((format) =>
    fc
      .record({
        format: fc.constant(format),
        rows: fc.array(
          fc.record({ id: key, sku: fc.constantFrom('SKU-1', 'SKU-2'), text: textValue(format) }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        mutation: fc.constantFrom<SourceMutation>(...MUTATIONS[format]),
        // Now and then the last row takes the first one's key.
        repeatKey: fc
          .boolean()
          .chain((b) => (b ? fc.boolean() : fc.constant(false)))
          .chain((b) => (b ? fc.boolean() : fc.constant(false))),
      })
      .map(({ repeatKey, ...c }) =>
        repeatKey && c.rows.length > 1
          ? { ...c, rows: c.rows.map((r, i) => (i === c.rows.length - 1 ? { ...r, id: c.rows[0]!.id } : r)) }
          : c,
      ),
  );
}
