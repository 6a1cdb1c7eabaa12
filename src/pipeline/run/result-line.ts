import { z } from 'zod';

/*
 * One line of a results file, read defensively: the SDK types the lines but checks nothing, and
 * a line of the wrong shape used to throw out of the fetch (exit 3). Here every line becomes a
 * row, and a line that does not match the documented shape becomes a `malformed` row that says
 * what is wrong, which the gate turns into an outcome like any other.
 */

/** The result_type stored for a line that does not have the documented shape. */
export const MALFORMED = 'malformed';

/** The columns of `raw_results` that one line fills (the run, submission and line number aside). */
export interface ResultRow {
  customId: string;
  resultType: string;
  /** The first block's text; with `contentBlocks`, every content block as JSON (contentText). */
  text: string | null;
  stopReason: string | null;
  errorType: string | null;
  /** The API's error message, or for a malformed line what is wrong with it. */
  errorMessage: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

/** Token counts are INTEGER columns: a count beyond them is as wrong as a negative one. */
const tokens = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

const succeeded = z.object({
  type: z.literal('succeeded'),
  message: z.object({
    // A first block that is not text is read as no text (the gate quarantines it), not as malformed.
    content: z.array(z.unknown()),
    stop_reason: z.string().nullable(),
    usage: z.object({ input_tokens: tokens, output_tokens: tokens }),
  }),
});
const textBlock = z.object({ type: z.literal('text'), text: z.string() });
const errored = z.object({
  type: z.literal('errored'),
  error: z.object({ error: z.object({ type: z.string(), message: z.string() }) }),
});
// zod keeps only the fields it names: each stage parses the line itself, not the last stage's output.
const line = z.object({ custom_id: z.string(), result: z.object({ type: z.string() }) });

const ISSUES_MAX = 3;
const ID_CHARS_MAX = 80;

/**
 * The row one parsed line (any JSON value) stands for; `lineNo` names a line with no usable
 * custom_id. `contentBlocks` (a job answering through a forced tool call) keeps every content
 * block, as contentText, for the gate to find the tool call in; otherwise the first block's text.
 */
export function readResultLine(value: unknown, lineNo: number, contentBlocks = false): ResultRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return malformed(
      `(line ${lineNo})`,
      `not an object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`,
    );
  const fields = value as Record<string, unknown>;
  const customId =
    typeof fields.custom_id === 'string' ? fields.custom_id.slice(0, ID_CHARS_MAX) : `(line ${lineNo})`;
  const head = line.safeParse(value);
  if (!head.success) return malformed(customId, describe(head.error));
  const type = head.data.result.type;
  if (type === 'succeeded') {
    const parsed = succeeded.safeParse(fields.result);
    if (!parsed.success) return malformed(customId, describe(parsed.error, ['result']));
    const { content, stop_reason, usage } = parsed.data.message;
    if (contentBlocks)
      return {
        ...empty(customId, type),
        text: contentText(content),
        stopReason: stop_reason,
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
      };
    const first = content[0];
    const block = textBlock.safeParse(first);
    // A text block whose text is not a string is a broken line, not an answer with no text.
    if (!block.success && (first as { type?: unknown } | undefined)?.type === 'text')
      return malformed(customId, describe(block.error, ['result', 'message', 'content', 0]));
    return {
      ...empty(customId, type),
      text: block.success ? block.data.text : '',
      stopReason: stop_reason,
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
    };
  }
  if (type === 'errored') {
    const parsed = errored.safeParse(fields.result);
    if (!parsed.success) return malformed(customId, describe(parsed.error, ['result']));
    const { error } = parsed.data.error;
    return { ...empty(customId, type), errorType: error.type, errorMessage: error.message };
  }
  // expired, canceled, or a type a later API may add: the gate decides what each means.
  return empty(customId, type);
}

/**
 * What the gate needs of a reply's content blocks, as JSON: a text block's text, a tool_use
 * block's name and input (the tool call's id is the API's, of no use to the gate), and the type
 * of any other block. Fields of the wrong type are kept as they came: the gate names them.
 */
export function contentText(content: readonly unknown[]): string {
  const blocks = content.map((block) => {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) return { type: null };
    const { type, text, name, input } = block as Record<string, unknown>;
    if (type === 'text') return { type, text };
    if (type === 'tool_use') return { type, name, input };
    return { type };
  });
  return JSON.stringify(blocks);
}

function empty(customId: string, resultType: string): ResultRow {
  return {
    customId,
    resultType,
    text: null,
    stopReason: null,
    errorType: null,
    errorMessage: null,
    inputTokens: null,
    outputTokens: null,
  };
}

function malformed(customId: string, problem: string): ResultRow {
  return { ...empty(customId, MALFORMED), errorMessage: problem };
}

/** The first few issues, one each as "path: message", the path dotted from the line's top. */
function describe(error: z.ZodError, prefix: readonly (string | number)[] = []): string {
  return error.issues
    .slice(0, ISSUES_MAX)
    .map((issue) => {
      const path = [...prefix, ...issue.path.map(String)].join('.');
      // zod's "Invalid input: " says nothing the path and the rest do not.
      const message = issue.message.replace(/^Invalid input: /, '');
      return path === '' ? message : `${path}: ${message}`;
    })
    .join('; ');
}
