/**
 * How the simulated model splits a prompt into the data it is asked about and everything else.
 * Like a real model, it has only delimiters to go on: the last complete `<name …>…</name>` block is
 * the data, and the data is then FENCED; without one it guesses (the text after a `Text:` or
 * `Review:` line, else the whole prompt), and unfenced data is easier to smuggle instructions into.
 */
export interface PromptParts {
  /** The text the model classifies. */
  data: string;
  /** True when the data came from a complete tag block. */
  fenced: boolean;
  /**
   * The prompt outside the data is `before`, then `after` on a new line (see `outsideText`);
   * `before` is the whole prompt when the model cannot tell data from instructions. Kept as two
   * slices of the prompt so the template around the data can be compared without copying it.
   */
  before: string;
  after: string;
}

const TAG_NAME = /[A-Za-z][\w-]*/y;
const DATA_LINE = /^[ \t]*(?:text|review)[ \t]*:/gim;
const TASK = /\b(?:classif|label)/i;

/** Whether the prompt asks for a classification: it mentions classifying or labels. */
export function isClassificationTask(text: string): boolean {
  return TASK.test(text);
}

/** Splits a prompt into its data and the rest (see the module comment for the rules). */
export function readPrompt(text: string): PromptParts {
  const block = lastBlock(text);
  if (block !== undefined) {
    const data = text.slice(block.innerStart, block.innerEnd).trim();
    return { data, fenced: true, before: text.slice(0, block.start), after: text.slice(block.end) };
  }
  const lineEnd = lastDataLineEnd(text);
  if (lineEnd >= 0)
    return { data: text.slice(lineEnd).trim(), fenced: false, before: text.slice(0, lineEnd), after: '' };
  return { data: text, fenced: false, before: text, after: '' };
}

/** The prompt outside the data, as one text. */
export function outsideText(parts: PromptParts): string {
  return parts.after === '' ? parts.before : parts.before + '\n' + parts.after;
}

interface Block {
  start: number;
  innerStart: number;
  innerEnd: number;
  end: number;
}

/** The complete block whose closing tag comes last, scanning closing tags from the end. */
function lastBlock(text: string): Block | undefined {
  for (
    let close = text.lastIndexOf('</');
    close >= 0;
    close = close > 0 ? text.lastIndexOf('</', close - 1) : -1
  ) {
    TAG_NAME.lastIndex = close + 2;
    const name = TAG_NAME.exec(text)?.[0];
    if (name === undefined) continue;
    let gt = close + 2 + name.length;
    while (isSpace(text.charCodeAt(gt))) gt++;
    if (text.charCodeAt(gt) !== 62) continue; // '>'
    const open = openingTag(text, name, close);
    if (open !== undefined) return { start: open.start, innerStart: open.end, innerEnd: close, end: gt + 1 };
  }
  return undefined;
}

/** The last `<name>` or `<name attrs…>` that ends before `before`. */
function openingTag(text: string, name: string, before: number): { start: number; end: number } | undefined {
  const opener = '<' + name;
  for (
    let at = text.lastIndexOf(opener, before - 1);
    at >= 0;
    at = at > 0 ? text.lastIndexOf(opener, at - 1) : -1
  ) {
    const next = at + opener.length;
    if (text.charCodeAt(next) === 62) return { start: at, end: next + 1 };
    if (!isSpace(text.charCodeAt(next))) continue; // a longer name such as <review-text
    const gt = text.indexOf('>', next);
    if (gt >= 0 && gt < before) return { start: at, end: gt + 1 };
  }
  return undefined;
}

function lastDataLineEnd(text: string): number {
  let end = -1;
  DATA_LINE.lastIndex = 0;
  for (let match = DATA_LINE.exec(text); match !== null; match = DATA_LINE.exec(text)) {
    end = match.index + match[0].length;
  }
  return end;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
