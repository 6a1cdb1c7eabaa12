import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { closest, editDistance } from './did-you-mean.js';
import { UsageError } from './errors.js';

/**
 * Parse a YAML file's text and validate it with a zod schema, reporting every problem at once,
 * one line each with its path (`canary.fraction: must be at most 0.5`), worded for a person
 * editing YAML. `what` names the file in messages ("job", "scenario").
 */
export function parseYamlFile<T>(text: string, path: string, schema: z.ZodType<T>, what: string): T {
  const fixHint = `Fix the ${what} file and run again.`;
  const code = `bad_${what}`;
  const document = parseDocument(text);
  const syntax = document.errors[0];
  if (syntax !== undefined) {
    const at = syntax.linePos?.[0];
    const reason = syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new UsageError(
      code,
      `Failed to parse ${what} ${path}: ${at ? `line ${at.line}, column ${at.col}: ` : ''}${reason}.`,
      'Fix the YAML at that line and run again.',
    );
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // toJS refuses alias bombs (maxAliasCount) and similar documents that parse but cannot be built.
    throw new UsageError(code, `Failed to parse ${what} ${path}: ${(error as Error).message}.`, fixHint);
  }
  // An empty file is a mapping with every key missing, which says more than "expected a mapping".
  const result = schema.safeParse(data ?? {}, { error: describeIssue });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => problemLines(issue, what));
  throw new UsageError(
    code,
    `Failed to load ${what} ${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}.\n` +
      problems.map((line) => `  - ${line}`).join('\n'),
    fixHint,
  );
}

/** `path: problem`; an unknown-keys issue holds one line per key in its message (see describeIssue). */
function problemLines(issue: z.core.$ZodIssue, what: string): string[] {
  const at = pathText(issue.path);
  if (issue.code === 'unrecognized_keys')
    return issue.message.split('\n').map((line) => (at ? `${at}.${line}` : line));
  return [`${at || `${what} file`}: ${issue.message}`];
}

/** `canary.fraction`, `quote_fields[1]`. */
function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path)
    text += typeof part === 'number' ? `[${part}]` : `${text ? '.' : ''}${String(part)}`;
  return text;
}

/**
 * Problems worded for a person editing YAML: "must be at most 0.5", not "Too big: expected…".
 * Exported for a file that validates a part of itself with another file's schema (a scenario's
 * `job:` overrides), so its problems read the same.
 */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${shown(issue.input)}${unquote(issue)}`;
    case 'too_small':
      if (issue.origin === 'string' || issue.origin === 'array') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'above'} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'below'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return oneOf(issue.values, issue.input);
    case 'invalid_union': {
      // `failure_mode: none | a family | a list of families`: zod says only "Invalid input"; the
      // words its branches would take (and whether one takes a list) make a message with a list.
      const branches = issue.errors.map((branch) => branch.filter((i) => i.path.length === 0));
      const values = branches.flatMap((branch) =>
        branch.flatMap((i) => (i.code === 'invalid_value' ? i.values : [])),
      );
      if (values.length === 0) return undefined;
      const list = branches.some((branch) =>
        branch.some((i) => i.code === 'invalid_type' && i.expected === 'array'),
      );
      return oneOf(values, issue.input, list ? ', or a list of them' : '');
    }
    case 'unrecognized_keys': {
      const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
      const known = Object.keys(shape ?? {});
      return issue.keys.map((key) => `${key}: unknown key${suggestion(key, known)}`).join('\n');
    }
    default:
      return undefined;
  }
}

/**
 * `did you mean silent_partial_drop? valid values: none, …` for a near miss of an enumerated word,
 * else `must be one of …, not "x"`: either way with the whole list.
 */
function oneOf(values: readonly unknown[], input: unknown, more = ''): string {
  const valid = values.map(String);
  const near = typeof input === 'string' ? closest(input, valid) : undefined;
  if (near !== undefined)
    return `${shown(input)} is not valid: did you mean ${near}? valid values: ${valid.join(', ')}${more}`;
  return `must be one of ${valid.join(', ')}${more}, not ${shown(input)}`;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping of keys',
  array: 'a list',
};

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** YAML reads `"3"` as text: a person who quoted a number needs telling. */
function unquote(issue: { expected: string; input?: unknown }): string {
  const { input } = issue;
  const numeric = typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input));
  return numeric && (issue.expected === 'number' || issue.expected === 'int')
    ? ' (write it without quotes)'
    : '';
}

/** ` (did you mean max_tokens?)` for a near miss of a known key, else nothing. */
function suggestion(key: string, known: readonly string[]): string {
  const near = known.find((k) => k.startsWith(key) || key.startsWith(k) || editDistance(k, key) <= 2);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}
