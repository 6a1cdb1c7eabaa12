import fc from 'fast-check';
import YAML from 'yaml';

/*
 * YAML files a person could write by mistake: a valid document with some of its keys set to odd
 * values (wrong types, numbers out of range, huge, NaN and infinities spelled .nan/.inf, odd
 * strings, deep nesting), removed, or added unknown; then, sometimes, text-level damage (a key
 * given twice, the file cut short, bytes that are not UTF-8).
 */

/** A value nested `depth` lists deep. */
const nested = (depth: number): unknown => (depth === 0 ? 'x' : [nested(depth - 1)]);

/** A value a key should not, or might just, hold. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    0,
    -1,
    1,
    0.5,
    1e-300,
    1e308,
    2 ** 53,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    true,
    false,
    null,
    '',
    ' ',
    '3',
    'yes',
    '{{text}}',
    '{{nope}}',
    'runs',
    'order',
    '\u0000',
    '\u001b[31mred',
    '<script>x</script>',
    'claude-haiku-4-5',
    'claude-nope-1',
    [],
    {},
    ['evidence'],
    { '': 1 },
  ),
  fc.string({ maxLength: 30 }),
  fc.double(),
  fc.integer(),
  fc.integer({ min: 1, max: 300 }).map(nested),
);

export type Mutation =
  | { kind: 'set'; path: string[]; value: unknown }
  | { kind: 'delete'; path: string[] }
  | { kind: 'unknown'; path: string[]; value: unknown };

/** A mutation of one of `paths` (key paths of the document, or keys it might be given). */
export const mutation = (paths: readonly string[][]): fc.Arbitrary<Mutation> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('set' as const),
        path: fc.constantFrom(...paths),
        value: oddValue,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...paths) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('unknown' as const),
        path: fc.constantFrom(...paths).map((p) => [...p.slice(0, -1), `${p.at(-1)}_x`]),
        value: oddValue,
      }),
    },
  );

/** Text-level damage to a YAML file, as bytes. */
export type Damage = 'none' | 'duplicate_key' | 'truncate' | 'not_utf8';
export const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Damage>('none') },
  { weight: 1, arbitrary: fc.constantFrom<Damage>('duplicate_key', 'truncate', 'not_utf8') },
);

/** `doc` with the mutations applied, in order (setting through a non-mapping makes it a mapping). */
export function mutate(
  doc: Record<string, unknown>,
  mutations: readonly Mutation[],
): Record<string, unknown> {
  const out = structuredClone(doc);
  for (const m of mutations) {
    let at: Record<string, unknown> | null = out;
    for (const key of m.path.slice(0, -1)) {
      const next: unknown = at[key];
      if (typeof next === 'object' && next !== null && !Array.isArray(next))
        at = next as Record<string, unknown>;
      else if (m.kind === 'delete') {
        at = null;
        break;
      } else {
        const made: Record<string, unknown> = {};
        at[key] = made;
        at = made;
      }
    }
    if (at === null) continue;
    const last = m.path.at(-1)!;
    if (m.kind === 'delete') delete at[last];
    else at[last] = m.value;
  }
  return out;
}

/** The document as the bytes of a YAML file, damaged as `how` says (`at` picks where, 0..1). */
export function yamlBytes(doc: Record<string, unknown>, how: Damage, at: number): Buffer {
  const text = YAML.stringify(doc);
  const lines = text.split('\n');
  const cut = Math.floor(at * text.length);
  switch (how) {
    case 'duplicate_key': {
      const top = lines.filter((line) => /^\w+:/.test(line));
      return Buffer.from(`${text}${top[Math.floor(at * top.length)] ?? 'key: again'}\n`);
    }
    case 'truncate':
      return Buffer.from(text.slice(0, cut));
    case 'not_utf8':
      return Buffer.concat([
        Buffer.from(text.slice(0, cut)),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        Buffer.from(text.slice(cut)),
      ]);
    default:
      return Buffer.from(text);
  }
}
