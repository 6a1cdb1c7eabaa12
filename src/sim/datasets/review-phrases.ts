import type { Rng } from '../seed.js';

/**
 * The building blocks of generated reviews. Frames and fillers hold no lexicon term and no
 * negator (review-phrases.test.ts checks), so a review's label comes only from the terms the
 * generator chose to put in it. Some hold commas and double quotes, which CSV has to escape.
 */

/** A product reviewed, with the prefix of its SKUs. */
export const PRODUCTS: readonly { noun: string; sku: string }[] = [
  { noun: 'kettle', sku: 'KT' },
  { noun: 'desk lamp', sku: 'DL' },
  { noun: 'phone case', sku: 'PC' },
  { noun: 'backpack', sku: 'BP' },
  { noun: 'headphones', sku: 'HP' },
  { noun: 'blender', sku: 'BL' },
  { noun: 'office chair', sku: 'OC' },
  { noun: 'water bottle', sku: 'WB' },
  { noun: 'charger', sku: 'CH' },
  { noun: 'tent', sku: 'TN' },
  { noun: 'keyboard', sku: 'KB' },
  { noun: 'umbrella', sku: 'UM' },
];

// Two-letter codes DuckDB's CSV sniffer cannot mistake for anything but text (no NO, no T/F).
export const COUNTRIES: readonly string[] = [
  'US',
  'GB',
  'DE',
  'FR',
  'CA',
  'AU',
  'JP',
  'NL',
  'ES',
  'IT',
  'SE',
  'IE',
];

export type Frame = (term: string, noun: string) => string;

/** Sentences around one lexicon term; any term reads acceptably in them. */
export const TERM_FRAMES: readonly Frame[] = [
  (t) => `${capital(t)}, honestly.`,
  (t, n) => `The ${n}? ${capital(t)}.`,
  (t, n) => `One word for this ${n}: ${t}.`,
  (t, n) => `My take on the ${n}: "${t}".`,
  (t) => `Verdict: ${t}.`,
  (t) => `${capital(t)}, as far as I can tell.`,
  (t, n) => `As for the ${n} itself, ${t}.`,
];

/** Sentences that negate one adjective-like term, the negator one or two words before it. */
export const NEGATED_FRAMES: readonly Frame[] = [
  (t) => `It wasn't ${t}.`,
  (t) => `Not ${t} at all.`,
  (t) => `It is hardly ${t}.`,
  (t, n) => `The ${n} isn't ${t}, though.`,
];

/** Terms that read well after "it wasn't" (checked to be in the lexicon by the tests). */
export const NEGATABLE_POSITIVE: readonly string[] = [
  'great',
  'good',
  'sturdy',
  'reliable',
  'comfortable',
  'durable',
  'perfect',
  'nice',
  'well made',
  'easy to use',
];
export const NEGATABLE_NEGATIVE: readonly string[] = [
  'broken',
  'flimsy',
  'defective',
  'damaged',
  'late',
  'noisy',
  'overpriced',
  'faulty',
  'cracked',
  'bad',
  'slow',
];

/** Neutral sentences: they say something about the purchase and nothing about its quality. */
export function filler(rng: Rng, noun: string): string {
  const n = 2 + rng.int(9);
  switch (rng.int(12)) {
    case 0:
      return `I ordered the ${noun} for my ${pick(rng, ['sister', 'dad', 'office', 'son', 'partner'])}.`;
    case 1:
      return 'It came in a plain cardboard box.';
    case 2:
      return `Used it ${n} times so far.`;
    case 3:
      return `Bought it in ${pick(rng, ['March', 'June', 'October', 'December'])}, on sale.`;
    case 4:
      return `Delivery took ${n} days.`;
    case 5:
      return 'It does what the listing says, more or less.';
    case 6:
      return `The box said "handle with care", so we did.`;
    case 7:
      return `Color: ${pick(rng, ['black', 'grey', 'blue', 'green'])}, size: ${pick(rng, ['S', 'M', 'L'])}.`;
    case 8:
      return `Paid $${10 + n * 7}.99, tax included.`;
    case 9:
      return `It replaced an older ${noun}.`;
    case 10:
      return `Setup took about ${n * 5} minutes.`;
    default:
      return `My ${pick(rng, ['wife', 'husband', 'roommate', 'team'])} uses it every day.`;
  }
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
