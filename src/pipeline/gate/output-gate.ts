import type { ErrorObject } from 'ajv';
import { compileOutputSchema } from './compile-schema.js';

/*
 * The validate-or-quarantine gate (DESIGN failure rows 4 and 7): every model output either passes
 * as a parsed object or is quarantined with one reason. It runs on every row of a run, so all the
 * work that does not depend on the row (schema compilation, regexes) happens once, up front.
 */

export type QuarantineReason =
  | 'unparseable'
  | 'schema'
  | 'range'
  | 'truncated'
  | 'off_task'
  | 'stale_source'
  | 'unknown_id'
  | 'duplicate'
  | 'unfenceable';

export type GateVerdict =
  | { valid: true; output: Record<string, unknown> }
  | { valid: false; reason: QuarantineReason; detail: string };

export interface GateInput {
  /**
   * The model's text output (content[0].text of a succeeded result); with `tool`, the result's
   * content blocks as JSON (result-line.ts contentText), whose first tool_use holds the answer.
   */
  text: string;
  /** The tool every request forced (output mode tool); absent when the answer is the text. */
  tool?: string;
  /** The result's stop_reason. */
  stopReason: string | null;
  /** The row's content as the template used it (the values of the row's columns joined by '\n'), for on-task checks. */
  rowText: string;
}

export interface OutputGate {
  check(input: GateInput): GateVerdict;
}

/**
 * Phrases that address a model rather than describe a row. In an output they mean the model quoted
 * (and likely obeyed) an instruction planted in the data; in a row they explain a plain-text answer.
 */
export const INSTRUCTION_PHRASES: readonly RegExp[] = [
  /\bignore\s+(?:(?:all|the|any)\s+){0,2}(?:previous|prior|above|earlier)\s+instructions?\b/i,
  /\bdisregard\s+(?:(?:all|the|any|your)\s+){0,2}(?:previous|prior|above|earlier|instructions?|prompts?|rules|system)\b/i,
  /\brespond\s+with\b/i,
  /\breply\s+with\b/i,
  /\banswer\s+with\b/i,
  /\blabel\s+(?:this|it)(?:\s+[\w-]+)?\s+as\b/i,
  /\byou\s+are\s+now\b/i,
  /\bsystem\s+prompt\b/i,
];

// One alternation scans a string once instead of once per phrase.
const INSTRUCTION = new RegExp(INSTRUCTION_PHRASES.map((phrase) => phrase.source).join('|'), 'i');
/** ajv keywords that bound a value's size; failing only these means the shape was right. */
const RANGE_KEYWORDS = new Set(
  'minimum maximum exclusiveMinimum exclusiveMaximum minLength maxLength minItems maxItems'.split(' '),
);
/** Longest non-JSON text still read as an answer (an obeyed "reply with X") rather than prose. */
const SHORT_ANSWER_CHARS_MAX = 100;
const SNIPPET_CHARS_MAX = 60;
const WHITESPACE = /\s+/g;

// Unknown keywords stay errors, so a typo such as `maximun` cannot silently widen the gate; formats
// are not checked because no format plugin is a dependency (ajv would refuse every `format`).

/** Compile the job's output schema once (ajv, allErrors). Throws UsageError('bad_schema', …) if it does not compile. */
export function makeOutputGate(
  schema: Record<string, unknown>,
  options: { quoteFields: readonly string[] },
): OutputGate {
  const validate = compileOutputSchema(schema);
  const quoteFields = [...options.quoteFields];
  return {
    check(input) {
      if (input.stopReason === 'max_tokens')
        return quarantine('truncated', 'stop_reason is max_tokens: the output was cut, so it is not trusted');
      const parsed =
        input.tool === undefined
          ? parseObject(input.text, input.rowText)
          : toolAnswer(input.text, input.tool, input.rowText);
      if (!parsed.valid) return parsed;
      if (!validate(parsed.output)) return schemaVerdict(validate.errors ?? []);
      const offTask = offTaskIssues(parsed.output, input.rowText, quoteFields);
      return offTask === '' ? parsed : quarantine('off_task', offTask);
    },
  };
}

/** The parsed object as a (so far) valid verdict, or why the text is not one. */
function parseObject(text: string, rowText: string): GateVerdict {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (text.includes('```'))
      return quarantine('unparseable', 'the JSON was fenced in a ``` code block; bare JSON is required');
    const problem = error instanceof Error ? error.message : 'invalid JSON';
    return notAnObject(text, rowText, `not JSON (${problem})`);
  }
  if (isObject(value)) return { valid: true, output: value };
  return notAnObject(
    text,
    rowText,
    `JSON ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}, not an object`,
  );
}

/**
 * The input of the first tool_use block as a (so far) valid verdict, or why there is none: no
 * tool_use block (the model answered in text: an obeyed injection when it is a short answer to a
 * row holding an instruction), a call of another tool, or an input that is not an object.
 */
function toolAnswer(contentJson: string, tool: string, rowText: string): GateVerdict {
  let blocks: unknown;
  try {
    blocks = JSON.parse(contentJson);
  } catch {
    blocks = null;
  }
  if (!Array.isArray(blocks)) return quarantine('unparseable', 'the reply has no content blocks to read');
  const call = blocks.find((block) => isObject(block) && block.type === 'tool_use') as
    | Record<string, unknown>
    | undefined;
  if (call === undefined) {
    const text = blocks
      .filter((block) => isObject(block) && block.type === 'text' && typeof block.text === 'string')
      .map((block) => (block as { text: string }).text)
      .join('\n');
    if (text.trim() === '')
      return quarantine('unparseable', `no tool_use block calling ${tool}, and no text`);
    return notAnObject(
      text,
      rowText,
      `no tool_use block: answered in text (${snippet(text)}) instead of calling ${tool}`,
    );
  }
  if (call.name !== tool)
    return quarantine(
      'schema',
      `the tool_use block calls ${showValue(call.name)}, not the forced tool ${tool}`,
    );
  if (!isObject(call.input))
    return quarantine('unparseable', `the tool_use input is ${describeJson(call.input)}, not an object`);
  return { valid: true, output: call.input };
}

function describeJson(value: unknown): string {
  return value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : value === undefined
        ? 'missing'
        : typeof value;
}

/** A short bare answer to a row holding an instruction is the model obeying it, not format drift. */
function notAnObject(text: string, rowText: string, problem: string): GateVerdict {
  const answer = text.trim();
  const looksLikeJson = answer.startsWith('{') || answer.startsWith('[');
  const instruction =
    !looksLikeJson && answer.length <= SHORT_ANSWER_CHARS_MAX ? INSTRUCTION.exec(rowText) : null;
  if (instruction === null) return quarantine('unparseable', problem);
  return quarantine(
    'off_task',
    `answered ${snippet(answer)} instead of JSON, and the row holds an instruction (${snippet(instruction[0])})`,
  );
}

function schemaVerdict(errors: readonly ErrorObject[]): GateVerdict {
  const reason = errors.every((error) => RANGE_KEYWORDS.has(error.keyword)) ? 'range' : 'schema';
  return quarantine(reason, errors.map(describeError).join('; '));
}

/** "instancePath message", with the path as dotted field names and the offending values named. */
function describeError(error: ErrorObject): string {
  const path = error.instancePath.slice(1).replaceAll('/', '.').replaceAll('~1', '/').replaceAll('~0', '~');
  let message = error.message ?? error.keyword;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues))
    message += ` (${params.allowedValues.map(showValue).join(', ')})`;
  else if (error.keyword === 'const') message += ` (${showValue(params.allowedValue)})`;
  else if (error.keyword === 'additionalProperties') message += ` (${showValue(params.additionalProperty)})`;
  return path === '' ? message : `${path}: ${message}`;
}

/** Every on-task problem, joined by '; ' ('' when there is none). */
function offTaskIssues(
  output: Record<string, unknown>,
  rowText: string,
  quoteFields: readonly string[],
): string {
  const issues: string[] = [];
  let row: string | undefined;
  for (const field of quoteFields) {
    const value = output[field];
    // A verbatim quote is the common case and needs no copying; only a miss pays for normalising.
    if (typeof value !== 'string' || rowText.includes(value)) continue;
    row ??= normalise(rowText);
    if (!row.includes(normalise(value)))
      issues.push(`${field}: ${snippet(value)} is not quoted from the row`);
  }
  // Breadth first with an index, not recursion: field order is kept and depth cannot overflow.
  const queue: [string, unknown][] = [];
  for (const key in output) queue.push([key, output[key]]);
  for (let at = 0; at < queue.length; at++) {
    const [path, value] = queue[at]!;
    if (typeof value === 'string') {
      const phrase = INSTRUCTION.exec(value);
      if (phrase !== null) issues.push(`${path}: holds an instruction (${snippet(phrase[0])})`);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) queue.push([`${path}.${key}`, inner]);
    }
  }
  return issues.join('; ');
}

function quarantine(reason: QuarantineReason, detail: string): GateVerdict {
  return { valid: false, reason, detail: oneLine(detail) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalise(text: string): string {
  return text.toLowerCase().replace(WHITESPACE, ' ').trim();
}

function oneLine(text: string): string {
  return text.replace(WHITESPACE, ' ').trim();
}

function snippet(text: string): string {
  const line = oneLine(text);
  return JSON.stringify(line.length > SNIPPET_CHARS_MAX ? `${line.slice(0, SNIPPET_CHARS_MAX)}…` : line);
}

function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
