import { NO_BREAK, SENTENCE_BREAK, splitWords, type Words } from './words.js';

/**
 * The simulated model's sense of sentiment: a small lexicon of product-review words and phrases,
 * each worth ±1, flipped by a negator up to two words before it within the same clause. It is
 * exported so a dataset generator can write reviews whose label is known from the text alone,
 * using exactly the rule the model reads them with (`scoreSentiment`).
 */
// biome-ignore format: a word list reads best packed
export const POSITIVE_TERMS: readonly string[] = [
  'love', 'loved', 'great', 'excellent', 'amazing', 'awesome', 'perfect', 'perfectly', 'works perfectly',
  'works great', 'fast shipping', 'fast delivery', 'arrived early', 'recommend', 'highly recommend',
  'happy', 'pleased', 'satisfied', 'fantastic', 'wonderful', 'best', 'sturdy', 'reliable',
  'comfortable', 'beautiful', 'easy to use', 'well made', 'good value', 'worth every penny',
  'exceeded expectations', 'impressed', 'delighted', 'superb', 'flawless', 'durable', 'gorgeous',
  'favorite', 'good', 'nice', 'five stars', 'no complaints',
];

// biome-ignore format: a word list reads best packed
export const NEGATIVE_TERMS: readonly string[] = [
  'broken', 'broke', 'refund', 'terrible', 'awful', 'horrible', 'stopped working', 'late',
  'arrived late', 'defective', 'damaged', 'flimsy', 'disappointed', 'disappointing', 'waste of money',
  'returned', 'poor', 'worst', 'useless', 'faulty', 'cracked', 'leaks', 'overpriced', 'never arrived',
  'fell apart', "doesn't work", 'does not work', 'junk', 'garbage', 'scratched', 'missing parts',
  'wrong size', 'wrong item', 'rude', 'unreliable', 'noisy', 'bad', 'hate', 'annoying', 'slow',
  'one star',
];

/** Words that flip the polarity of a term up to two words after them. */
// biome-ignore format: a word list reads best packed
export const NEGATORS: readonly string[] = [
  'not', 'never', 'no', 'hardly', "isn't", "wasn't", "don't", "didn't", "doesn't", "wouldn't",
];

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

interface Term {
  words: readonly string[];
  polarity: 1 | -1;
}

const NEGATOR_SET = new Set(NEGATORS);
const TERMS_BY_FIRST_WORD = indexTerms();
const NEGATOR_REACH_WORDS = 2;

/** Scores a text against the lexicon; the longest term wins where terms overlap. */
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
    const term = termAt(words, i);
    if (term === undefined) {
      if (NEGATOR_SET.has(words.text[i]!)) lastNegator = i;
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

function termAt(words: Words, i: number): Term | undefined {
  const candidates = TERMS_BY_FIRST_WORD.get(words.text[i]!);
  if (candidates === undefined) return undefined;
  return candidates.find((term) => phraseMatches(words, i, term.words));
}

function phraseMatches(words: Words, i: number, phrase: readonly string[]): boolean {
  if (i + phrase.length > words.count) return false;
  for (let k = 1; k < phrase.length; k++) {
    if (words.gap[i + k] !== NO_BREAK || words.text[i + k] !== phrase[k]) return false;
  }
  return true;
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

function indexTerms(): Map<string, Term[]> {
  const index = new Map<string, Term[]>();
  const add = (phrase: string, polarity: 1 | -1) => {
    const words = phrase.split(' ');
    const list = index.get(words[0]!) ?? [];
    list.push({ words, polarity });
    index.set(words[0]!, list);
  };
  for (const phrase of POSITIVE_TERMS) add(phrase, 1);
  for (const phrase of NEGATIVE_TERMS) add(phrase, -1);
  for (const list of index.values()) list.sort((a, b) => b.words.length - a.words.length);
  return index;
}
