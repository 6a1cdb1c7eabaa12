/**
 * A tokenizer for the simulated model's reading of review text: lowercase words with their
 * character spans in the original text (evidence must quote the text verbatim) and the punctuation
 * between them (a negator does not reach across a comma, a phrase does not span a full stop).
 */

/** Strength of the punctuation before a word: none, a clause break (, ; :), or a sentence break. */
export const NO_BREAK = 0;
export const CLAUSE_BREAK = 1;
export const SENTENCE_BREAK = 2;

export interface Words {
  count: number;
  /** Lowercased, with a curly apostrophe read as a straight one. */
  text: string[];
  /** Character offsets into the original text, end exclusive. */
  start: number[];
  end: number[];
  /** Punctuation between the previous word and this one (NO_BREAK, CLAUSE_BREAK, SENTENCE_BREAK). */
  gap: number[];
}

/** Splits text into words; an apostrophe between letters stays inside the word (isn't, don't). */
export function splitWords(source: string): Words {
  // Lowercasing once is cheaper than per word; a few Unicode letters change length when
  // lowercased, and then offsets are taken from the original text instead.
  const lower = source.toLowerCase();
  const scan = lower.length === source.length ? lower : source;
  const words: Words = { count: 0, text: [], start: [], end: [], gap: [] };
  let gap = NO_BREAK;
  let i = 0;
  while (i < scan.length) {
    const c = scan.charCodeAt(i);
    if (!isWordChar(c)) {
      gap = Math.max(gap, breakStrength(c));
      i++;
      continue;
    }
    const start = i;
    i = wordEnd(scan, i + 1);
    let word = scan.slice(start, i);
    if (scan !== lower) word = word.toLowerCase();
    if (word.includes('\u2019')) word = word.replaceAll('\u2019', "'");
    words.text.push(word);
    words.start.push(start);
    words.end.push(i);
    words.gap.push(gap);
    words.count++;
    gap = NO_BREAK;
  }
  return words;
}

function wordEnd(scan: string, from: number): number {
  let i = from;
  while (i < scan.length) {
    const c = scan.charCodeAt(i);
    if (isWordChar(c)) i++;
    else if ((c === 39 || c === 0x2019) && isWordChar(scan.charCodeAt(i + 1))) i += 2;
    else break;
  }
  return i;
}

function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    // Latin-1 and other letters (but not × and ÷, nor the general-punctuation block and above).
    (c >= 0xc0 && c < 0x2000 && c !== 0xd7 && c !== 0xf7)
  );
}

function breakStrength(c: number): number {
  if (c === 46 || c === 33 || c === 63 || c === 10) return SENTENCE_BREAK; // . ! ? newline
  if (c === 44 || c === 59 || c === 58) return CLAUSE_BREAK; // , ; :
  return NO_BREAK;
}
