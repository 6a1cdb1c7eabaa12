import { describe, expect, it } from 'vitest';
import { NEGATIVE_TERMS, NEGATORS, POSITIVE_TERMS, scoreSentiment } from './sentiment.js';
import { splitWords } from './words.js';

describe('the lexicon', () => {
  it('has about forty terms of each polarity, none in both', () => {
    expect(POSITIVE_TERMS.length).toBeGreaterThanOrEqual(38);
    expect(NEGATIVE_TERMS.length).toBeGreaterThanOrEqual(38);
    expect(POSITIVE_TERMS.filter((term) => NEGATIVE_TERMS.includes(term))).toEqual([]);
  });

  it('is written as the tokenizer reads it: lowercase words separated by single spaces', () => {
    for (const term of [...POSITIVE_TERMS, ...NEGATIVE_TERMS, ...NEGATORS]) {
      expect(splitWords(term).count, term).toBe(term.split(' ').length);
      expect(term, term).toBe(term.toLowerCase());
    }
  });

  it('reads every term alone with its own polarity', () => {
    for (const term of POSITIVE_TERMS) expect(scoreSentiment(`Honestly: ${term}.`).sum, term).toBe(1);
    for (const term of NEGATIVE_TERMS) expect(scoreSentiment(`Honestly: ${term}.`).sum, term).toBe(-1);
  });

  it('reads every term as flipped right after every negator', () => {
    for (const negator of NEGATORS) {
      expect(scoreSentiment(`${negator} great`).sum, negator).toBe(-1);
      expect(scoreSentiment(`${negator} broken`).sum, negator).toBe(1);
    }
  });
});

describe('scoreSentiment', () => {
  it('labels by the sign of the sum', () => {
    expect(scoreSentiment('I love it, great value.').label).toBe('positive');
    expect(scoreSentiment('Arrived broken. I want a refund.').label).toBe('negative');
    expect(scoreSentiment('It is a kettle. It boils water.').label).toBe('neutral');
  });

  it('counts the longest matching phrase once', () => {
    expect(scoreSentiment('I highly recommend it').sum).toBe(1);
    expect(scoreSentiment('it arrived late').sum).toBe(-1);
  });

  it('flips a term a negator precedes by up to two words, but not three', () => {
    expect(scoreSentiment('not very good').sum).toBe(-1);
    expect(scoreSentiment('not a very good').sum).toBe(1);
    expect(scoreSentiment("wouldn't recommend").sum).toBe(-1);
    expect(scoreSentiment('never stopped working').sum).toBe(1);
  });

  it('lets no negator reach across punctuation or out of a phrase it belongs to', () => {
    expect(scoreSentiment('No. Great product').sum).toBe(1);
    expect(scoreSentiment('It was not cheap, but great').sum).toBe(1);
    expect(scoreSentiment('no complaints great').sum).toBe(2);
  });

  it('calls texts hard when they mix polarities or negate a term', () => {
    expect(scoreSentiment('great but broken').hard).toBe(true);
    expect(scoreSentiment('not great').hard).toBe(true);
    expect(scoreSentiment('great and sturdy').hard).toBe(false);
    expect(scoreSentiment('a kettle').hard).toBe(false);
  });

  it('quotes at most ten words of the text verbatim around the deciding term', () => {
    const text =
      'We bought it in May for the cabin. Sadly the LID Arrived Broken and the handle wobbles badly.';
    const { evidence } = scoreSentiment(text);
    expect(text).toContain(evidence);
    expect(evidence).toContain('Arrived Broken');
    expect(evidence.split(/\s+/).length).toBeLessThanOrEqual(10);
    expect(evidence).not.toContain('cabin');
  });

  it('quotes the first few words when no term is found', () => {
    expect(scoreSentiment('SKU-48213-BLK').evidence).toBe('SKU-48213-BLK');
    expect(scoreSentiment('one two three four five six seven eight').evidence).toBe(
      'one two three four five six',
    );
  });
});
