import { UsageError } from '../../core/errors.js';
import type { ColumnProfile, SourceProfile } from './source-profile.js';

/**
 * Which column keys a new job's rows and which the template fills, chosen from a source's
 * profile the way a person would: the key is an identifier (unique, never empty, short, named
 * like one), the text the column with the most words in it. Either can be named instead.
 */
export interface ColumnChoice {
  key: string;
  /** The template's columns, in order: one unless several were named. */
  text: string[];
}

/** Past this many characters on average a column is prose, not an identifier (unless named like one). */
export const KEY_CHARS_MAX = 64;

const KEY_TYPES = /^(VARCHAR|UUID|U?(TINY|SMALL|HUGE|BIG)?INT(EGER)?|UHUGEINT)$/;

/** Pick the key and text columns, or refuse naming each column tried and why it would not do. */
export function pickColumns(
  profile: SourceProfile,
  asked: { key?: string; text?: string[] },
  sourcePath: string,
): ColumnChoice {
  const fail = (what: string, reason: string, hint: string) =>
    new UsageError('bad_source', `Failed to pick the ${what} of ${sourcePath}: ${reason}.`, hint);
  if (profile.rows === 0)
    throw fail('key column', 'it has no rows', 'Point --source at a file with the rows the job will answer.');
  const names = profile.columns.map((c) => `"${c.name}"`).join(', ');
  for (const name of [asked.key, ...(asked.text ?? [])]) {
    if (name !== undefined && !profile.columns.some((c) => c.name === name))
      throw fail('columns', `it has no column "${name}" (it has ${names})`, 'Name one of its columns.');
  }
  for (const name of asked.text ?? []) {
    const problem = placeholderProblem(name);
    if (problem) throw fail('text column', `"${name}" ${problem}`, 'Rename the column in the source.');
  }
  const key = asked.key ?? autoKey(profile, asked.text ?? [], fail);
  if (asked.key !== undefined) {
    const problem = keyProblem(profile.columns.find((c) => c.name === key)!, profile.rows, false);
    if (problem)
      throw fail(
        'key column',
        `"${key}" ${problem}`,
        'Pass --key naming a column whose values are unique and non-empty.',
      );
  }
  const text = asked.text?.length ? asked.text : [autoText(profile, key, fail)];
  return { key, text };
}

type Fail = (what: string, reason: string, hint: string) => UsageError;

function autoKey(profile: SourceProfile, text: string[], fail: Fail): string {
  const tried: string[] = [];
  let best: { column: ColumnProfile; rank: number[] } | undefined;
  for (const [order, column] of profile.columns.entries()) {
    const problem = text.includes(column.name)
      ? 'is the text the template fills'
      : keyProblem(column, profile.rows, true);
    if (problem) {
      tried.push(`"${column.name}" ${problem}`);
      continue;
    }
    // Named like a key first, then the shortest values, then the first column.
    const rank = [-keyNameScore(column.name), averageChars(column, profile.rows), order];
    if (!best || compare(rank, best.rank) < 0) best = { column, rank };
  }
  if (best) return best.column.name;
  throw fail(
    'key column',
    `no column is unique and non-empty: ${tried.join('; ')}`,
    'Pass --key COLUMN naming a column whose values are unique and non-empty, or add one to the source (a row number will do).',
  );
}

function autoText(profile: SourceProfile, key: string, fail: Fail): string {
  const candidates = profile.columns.filter(
    (c) => c.name !== key && c.type === 'VARCHAR' && c.chars > 0 && placeholderProblem(c.name) === null,
  );
  // The longest on average: the first such column on a tie (reduce keeps the earlier one).
  const best = candidates.reduce<ColumnProfile | undefined>(
    (top, c) => (top === undefined || c.chars > top.chars ? c : top),
    undefined,
  );
  if (best) return best.name;
  throw fail(
    'text column',
    `no column besides the key "${key}" holds text a template can name (it has ${profile.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`,
    'Pass --text COLUMN naming the column the prompt should carry.',
  );
}

/** Why a column cannot key the rows, or null. `auto`: also refuse what only looks unlike a key. */
export function keyProblem(column: ColumnProfile, rows: number, auto: boolean): string | null {
  if (!KEY_TYPES.test(column.type)) return `is of type ${column.type}, not text or a whole number`;
  if (column.empty > 0) return `is empty in ${column.empty} of ${rows} rows`;
  if (column.distinct < rows) return `repeats values (${column.distinct} distinct in ${rows} rows)`;
  const chars = averageChars(column, rows);
  if (auto && keyNameScore(column.name) === 0 && chars > KEY_CHARS_MAX)
    return `is unique, but its values run to ${Math.round(chars)} characters on average: text, not an identifier`;
  return null;
}

/** 2 for `id` or `key`, 1 for names like `review_id`, `ReviewId`, `uuid`, `sku_key`, else 0. */
export function keyNameScore(name: string): number {
  if (/^(id|key)$/i.test(name.trim())) return 2;
  if (/(^|[_\-\s.])(id|key|uuid|guid)$/i.test(name) || /[a-z0-9](Id|ID|Key)$/.test(name)) return 1;
  return 0;
}

/** Why a column's name cannot be a template placeholder `{{name}}`, or null. */
export function placeholderProblem(name: string): string | null {
  if (/[{}]/.test(name)) return 'has a brace in its name, which a {{placeholder}} cannot hold';
  if (name.trim() !== name || name === '' || /[\n\r]/.test(name))
    return 'has a name with blank ends or a line break, which a {{placeholder}} cannot hold';
  return null;
}

const averageChars = (column: ColumnProfile, rows: number): number => (rows === 0 ? 0 : column.chars / rows);

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
