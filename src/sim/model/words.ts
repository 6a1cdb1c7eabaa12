/**
 * A tokenizer for the simulated model's reading of review text, built for speed because it runs
 * once per result row in 100,000-row runs: no strings are cut out of the text. Each word is kept
 * as its character span (evidence must quote the text verbatim), a hash of its lowercased form (to
 * look it up in the lexicon, then confirmed with `wordEquals`), and the punctuation before it (a
 * negator does not reach across a comma, a phrase does not span a full stop).
 */

/** Strength of the punctuation before a word: none, a clause break (, ; :), or a sentence break. */
export const NO_BREAK = 0;
export const CLAUSE_BREAK = 1;
export const SENTENCE_BREAK = 2;

/** Word spans of the last text split. The arrays are reused: valid only until the next call. */
export interface Words {
  count: number;
  /** Character offsets into the text, end exclusive. */
  start: Int32Array;
  end: Int32Array;
  /** `wordHash` of the lowercased word. */
  hash: Int32Array;
  /** Punctuation between the previous word and this one (NO_BREAK, CLAUSE_BREAK, SENTENCE_BREAK). */
  gap: Int32Array;
}

const scratch: Words = {
  count: 0,
  start: new Int32Array(256),
  end: new Int32Array(256),
  hash: new Int32Array(256),
  gap: new Int32Array(256),
};

const HASH_SEED = 0x811c9dc5 | 0;
const HASH_PRIME = 0x01000193;

/** Splits text into words; an apostrophe between letters stays inside the word (isn't, don't). */
export function splitWords(text: string): Words {
  const words = scratch;
  words.count = 0;
  let gap = NO_BREAK;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const kind = c < 128 ? ASCII_KIND[c]! : wideKind(c);
    if (kind !== WORD) {
      if (kind > gap) gap = kind;
      i++;
      continue;
    }
    const start = i;
    let hash = HASH_SEED;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d < 128 ? ASCII_KIND[d] === WORD : wideKind(d) === WORD)
        hash = Math.imul(hash ^ foldCase(d), HASH_PRIME);
      else if ((d === 39 || d === 0x2019) && isWordAt(text, i + 1)) hash = Math.imul(hash ^ 39, HASH_PRIME);
      else break;
      i++;
    }
    push(words, start, i, hash, gap);
    gap = NO_BREAK;
  }
  return words;
}

/** The hash splitWords gives a word, for looking up lexicon entries. */
export function wordHash(word: string): number {
  let hash = HASH_SEED;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ foldCase(word.charCodeAt(i)), HASH_PRIME);
  return hash;
}

/** Whether text[start, end) is `word` (lowercase) once case and apostrophes are folded. */
export function wordEquals(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let j = 0; j < word.length; j++)
    if (foldCase(text.charCodeAt(start + j)) !== word.charCodeAt(j)) return false;
  return true;
}

function push(words: Words, start: number, end: number, hash: number, gap: number): void {
  if (words.count === words.start.length) grow(words);
  const n = words.count++;
  words.start[n] = start;
  words.end[n] = end;
  words.hash[n] = hash;
  words.gap[n] = gap;
}

function grow(words: Words): void {
  const bigger = (old: Int32Array) => {
    const next = new Int32Array(old.length * 2);
    next.set(old);
    return next;
  };
  words.start = bigger(words.start);
  words.end = bigger(words.end);
  words.hash = bigger(words.hash);
  words.gap = bigger(words.gap);
}

/** ASCII lowercase, and a curly apostrophe read as a straight one; other characters unchanged. */
function foldCase(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  return c === 0x2019 ? 39 : c;
}

// Character kinds, ordered so that the strongest punctuation between two words wins (`kind > gap`).
const WORD = 3;
const ASCII_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letterOrDigit = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
  ASCII_KIND[c] = letterOrDigit ? WORD : '.!?\n'.includes(String.fromCharCode(c)) ? SENTENCE_BREAK : 0;
  if (',;:'.includes(String.fromCharCode(c))) ASCII_KIND[c] = CLAUSE_BREAK;
}

/** Letters beyond ASCII (but not × and ÷, nor the general-punctuation block and above). */
function wideKind(c: number): number {
  return c >= 0xc0 && c < 0x2000 && c !== 0xd7 && c !== 0xf7 ? WORD : NO_BREAK;
}

function isWordAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 ? ASCII_KIND[c] === WORD : wideKind(c) === WORD;
}
