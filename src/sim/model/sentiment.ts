import { lexiconEntry, type Term, type WordEntry } from './lexicon.js';
import { NO_BREAK, SENTENCE_BREAK, splitWords, type Words, wordEquals } from './words.js';

export { NEGATIVE_TERMS, NEGATORS, POSITIVE_TERMS } from './lexicon.js';

export type SentimentLabel = 'positive' | 'negative' | 'neutral';

export interface Sentiment {
  label: SentimentLabel;
  /** Signed sum of the matched terms after negation. */
  sum: number;
  /** How many lexicon terms matched. */
  terms: number;
  /** Both polarities present, or a negator flipped a term: the texts a model gets wrong more often. */
  hard: boolean;
  /** Up to ten words of the text, verbatim, around the term that decided the label. */
  evidence: string;
}

const NEGATOR_REACH_WORDS = 2;

/**
 * How the simulated model reads sentiment: lexicon terms (lexicon.ts) count ±1, the longest one
 * winning where terms overlap; a negator up to two words before a term in the same clause flips
 * it; the sum's sign is the label. A dataset generator can call this to know a review's label.
 */
export function scoreSentiment(text: string): Sentiment {
  const words = splitWords(text);
  let sum = 0;
  let terms = 0;
  let flipped = false;
  let lastNegator = -NEGATOR_REACH_WORDS - 1;
  let firstPositive = -1;
  let firstNegative = -1;
  for (let i = 0; i < words.count; ) {
    if (words.gap[i] !== NO_BREAK) lastNegator = -NEGATOR_REACH_WORDS - 1;
    const entry = lexiconEntry(words.hash[i]!);
    const term = entry === undefined ? undefined : termAt(text, words, i, entry);
    if (term === undefined) {
      if (entry !== undefined && isNegator(text, words, i, entry)) lastNegator = i;
      i++;
      continue;
    }
    const negated = i - lastNegator <= NEGATOR_REACH_WORDS;
    const polarity = negated ? -term.polarity : term.polarity;
    flipped ||= negated;
    sum += polarity;
    terms++;
    if (polarity > 0 && firstPositive < 0) firstPositive = i;
    if (polarity < 0 && firstNegative < 0) firstNegative = i;
    i += term.words.length;
  }
  const hard = flipped || (firstPositive >= 0 && firstNegative >= 0);
  const label: SentimentLabel = sum > 0 ? 'positive' : sum < 0 ? 'negative' : 'neutral';
  // The quote shows the first term on the winning side; on a tie, the first term of all.
  const decisive = sum > 0 ? firstPositive : sum < 0 ? firstNegative : earliest(firstPositive, firstNegative);
  const evidence = decisive >= 0 ? quoteAround(text, words, decisive, 10) : quoteAround(text, words, 0, 6);
  return { label, sum, terms, hard, evidence };
}

function earliest(a: number, b: number): number {
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

function termAt(text: string, words: Words, i: number, entry: WordEntry): Term | undefined {
  for (const term of entry.terms) if (phraseMatches(text, words, i, term)) return term;
  return undefined;
}

function phraseMatches(text: string, words: Words, i: number, term: Term): boolean {
  if (i + term.words.length > words.count) return false;
  for (let k = 0; k < term.words.length; k++) {
    const at = i + k;
    if (k > 0 && (words.gap[at] !== NO_BREAK || words.hash[at] !== term.hashes[k])) return false;
    if (!wordEquals(text, words.start[at]!, words.end[at]!, term.words[k]!)) return false;
  }
  return true;
}

function isNegator(text: string, words: Words, i: number, entry: WordEntry): boolean {
  return entry.negator !== undefined && wordEquals(text, words.start[i]!, words.end[i]!, entry.negator);
}

/** A verbatim slice of at most `wordsMax` words from one sentence, starting up to 3 words early. */
function quoteAround(text: string, words: Words, at: number, wordsMax: number): string {
  if (words.count === 0) return text.trim().slice(0, 60);
  let from = at;
  while (from > 0 && at - from < 3 && words.gap[from] !== SENTENCE_BREAK) from--;
  let to = at;
  while (to + 1 < words.count && to - from + 1 < wordsMax && words.gap[to + 1] !== SENTENCE_BREAK) to++;
  return text.slice(words.start[from], words.end[to]);
}
