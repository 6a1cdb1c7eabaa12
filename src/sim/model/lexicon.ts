import { wordHash } from './words.js';

/**
 * The simulated model's sense of sentiment: a small lexicon of product-review words and phrases,
 * each worth ±1, flipped by a negator up to two words before it within the same clause. It is
 * exported so a dataset generator can write reviews whose label is known from the text alone,
 * using exactly the rule the model reads them with (`scoreSentiment` in sentiment.ts).
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

// biome-ignore format: a word list reads best packed
/** Words that flip the polarity of a term up to two words after them. */
export const NEGATORS: readonly string[] = [
  'not', 'never', 'no', 'hardly', "isn't", "wasn't", "don't", "didn't", "doesn't", "wouldn't",
];

/** A lexicon term: its words, their `wordHash`es, and its sign. */
export interface Term {
  words: readonly string[];
  hashes: readonly number[];
  polarity: 1 | -1;
}

/** What the lexicon knows about one word: terms starting with it (longest first), whether a negator. */
export interface WordEntry {
  hash: number;
  terms: Term[];
  negator: string | undefined;
}

// An open-addressing table keyed by word hash: a miss (most words) costs one array read, several
// times cheaper than a Map lookup, and this runs for every word of every row.
const SLOTS = 1024;
const table: (WordEntry | undefined)[] = new Array(SLOTS).fill(undefined);

/** The lexicon entry for a word hash, if any; callers confirm the word itself with `wordEquals`. */
export function lexiconEntry(hash: number): WordEntry | undefined {
  for (let slot = hash & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
    const entry = table[slot];
    if (entry === undefined || entry.hash === hash) return entry;
  }
}

function entryFor(word: string): WordEntry {
  const hash = wordHash(word);
  let slot = hash & (SLOTS - 1);
  while (table[slot] !== undefined && table[slot]!.hash !== hash) slot = (slot + 1) & (SLOTS - 1);
  table[slot] ??= { hash, terms: [], negator: undefined };
  return table[slot]!;
}

function addTerms(phrases: readonly string[], polarity: 1 | -1): void {
  for (const phrase of phrases) {
    const words = phrase.split(' ');
    entryFor(words[0]!).terms.push({ words, hashes: words.map(wordHash), polarity });
  }
}

addTerms(POSITIVE_TERMS, 1);
addTerms(NEGATIVE_TERMS, -1);
for (const negator of NEGATORS) entryFor(negator).negator = negator;
for (const entry of table) entry?.terms.sort((a, b) => b.words.length - a.words.length);
