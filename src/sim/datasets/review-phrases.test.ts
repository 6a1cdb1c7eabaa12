import { describe, expect, it } from 'vitest';
import { findInjection } from '../model/instructions.js';
import { NEGATIVE_TERMS, NEGATORS, POSITIVE_TERMS, scoreSentiment } from '../model/sentiment.js';
import { streamFor } from '../seed.js';
import {
  filler,
  NEGATABLE_NEGATIVE,
  NEGATABLE_POSITIVE,
  NEGATED_FRAMES,
  PRODUCTS,
  TERM_FRAMES,
} from './review-phrases.js';

const NEGATOR_WORDS = new RegExp(`\\b(?:${NEGATORS.join('|')})\\b`, 'i');

describe('review phrases', () => {
  it('fillers say nothing the model would read as sentiment or as an instruction', () => {
    const rng = streamFor(1, 'test');
    for (let i = 0; i < 2000; i++) {
      const text = filler(rng, PRODUCTS[i % PRODUCTS.length]!.noun);
      expect(scoreSentiment(text).terms, text).toBe(0);
      expect(text, text).not.toMatch(NEGATOR_WORDS);
      expect(findInjection(text), text).toBeUndefined();
    }
  });

  it('a term frame counts its one term with the term’s own polarity', () => {
    for (const frame of TERM_FRAMES) {
      for (const term of POSITIVE_TERMS)
        expect(scoreSentiment(frame(term, 'desk lamp')).sum, frame(term, 'x')).toBe(1);
      for (const term of NEGATIVE_TERMS)
        expect(scoreSentiment(frame(term, 'desk lamp')).sum, frame(term, 'x')).toBe(-1);
    }
  });

  it('a negated frame flips its term, and every negatable term is in the lexicon', () => {
    expect(NEGATABLE_POSITIVE.filter((term) => !POSITIVE_TERMS.includes(term))).toEqual([]);
    expect(NEGATABLE_NEGATIVE.filter((term) => !NEGATIVE_TERMS.includes(term))).toEqual([]);
    for (const frame of NEGATED_FRAMES) {
      for (const term of NEGATABLE_POSITIVE)
        expect(scoreSentiment(frame(term, 'tent')).sum, frame(term, 'tent')).toBe(-1);
      for (const term of NEGATABLE_NEGATIVE)
        expect(scoreSentiment(frame(term, 'tent')).sum, frame(term, 'tent')).toBe(1);
    }
  });
});
