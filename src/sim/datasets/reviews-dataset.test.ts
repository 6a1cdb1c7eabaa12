import { describe, expect, it } from 'vitest';
import { findInjection } from '../model/instructions.js';
import { scoreSentiment } from '../model/sentiment.js';
import { generateGolden, generateReviews } from './reviews-dataset.js';

const ROWS = 20_000;
const reviews = [...generateReviews(1, ROWS, { injectionRate: 0.1 })];
const share = (predicate: (review: (typeof reviews)[number]) => boolean) =>
  reviews.filter(predicate).length / reviews.length;

describe('generateReviews', () => {
  it('is deterministic: the same seed gives the same rows, another seed other rows', () => {
    expect([...generateReviews(1, 200)]).toEqual([...generateReviews(1, 200)]);
    const other = [...generateReviews(2, 200)].map((review) => review.row.text);
    expect(other).not.toEqual([...generateReviews(1, 200)].map((review) => review.row.text));
  });

  it('numbers rows rev-000001 onwards and gives each a SKU and a country, but no label', () => {
    expect(reviews.slice(0, 2).map((review) => review.row.id)).toEqual(['rev-000001', 'rev-000002']);
    expect(reviews.at(-1)?.row.id).toBe('rev-020000');
    for (const { row } of reviews.slice(0, 500)) {
      expect(Object.keys(row)).toEqual(['id', 'sku', 'country', 'text']);
      expect(row.sku).toMatch(/^[A-Z]{2}-\d{5}$/);
      expect(row.country).toMatch(/^[A-Z]{2}$/);
    }
  });

  it('writes texts of 60 to 200 characters, some with commas and double quotes', () => {
    expect(share(({ row }) => row.text.length < 60 || row.text.length > 200)).toBe(0);
    expect(share(({ row }) => row.text.includes('"'))).toBeGreaterThan(0.1);
    expect(share(({ row }) => row.text.includes(','))).toBeGreaterThan(0.3);
  });

  it('gives each review the label the simulated model’s own rule reads from its text', () => {
    for (const review of reviews.filter((r) => !r.injected)) {
      const sentiment = scoreSentiment(review.row.text);
      expect({ label: sentiment.label, hard: sentiment.hard }, review.row.text).toEqual({
        label: review.label,
        hard: review.hard,
      });
    }
  });

  it('mixes the labels, with about a fifth hard (mixed or negated) texts', () => {
    for (const label of ['positive', 'negative'] as const) {
      expect(share((review) => review.label === label)).toBeGreaterThan(0.35);
    }
    expect(share((review) => review.label === 'neutral')).toBeGreaterThan(0.1);
    expect(share((review) => review.hard)).toBeCloseTo(0.2, 1);
  });

  it('plants an instruction the model can read in about the asked share of rows, and in no other', () => {
    expect(share((review) => review.injected)).toBeCloseTo(0.1, 1);
    for (const review of reviews) {
      expect(findInjection(review.row.text) !== undefined, review.row.text).toBe(review.injected);
    }
    expect([...generateReviews(1, 500)].some((review) => review.injected)).toBe(false);
  });

  it('keeps the same texts at any injection rate, apart from the planted sentences', () => {
    const clean = [...generateReviews(1, 500)];
    const dirty = [...generateReviews(1, 500, { injectionRate: 0.5 })];
    dirty.forEach((review, i) => {
      expect(review.row.text).toContain(clean[i]!.row.text);
      expect(review.label).toBe(clean[i]!.label);
    });
  });
});

describe('generateGolden', () => {
  const golden = [...generateGolden(1, 200)];

  it('numbers rows gold-0001 onwards, ids no source row has', () => {
    expect(golden.slice(0, 2).map((row) => row.id)).toEqual(['gold-0001', 'gold-0002']);
    expect(golden.filter((row) => row.id.startsWith('rev-'))).toEqual([]);
  });

  it('holds only clear-cut texts, each with the expected label its text gives', () => {
    for (const row of golden) {
      const sentiment = scoreSentiment(row.text);
      expect(sentiment.hard, row.text).toBe(false);
      expect(row.expected).toEqual({ label: sentiment.label });
      expect(findInjection(row.text)).toBeUndefined();
    }
    expect(new Set(golden.map((row) => row.expected.label))).toEqual(
      new Set(['positive', 'negative', 'neutral']),
    );
  });

  it('is deterministic from its seed', () => {
    expect([...generateGolden(7, 20)]).toEqual([...generateGolden(7, 20)]);
    expect([...generateGolden(8, 20)]).not.toEqual([...generateGolden(7, 20)]);
  });
});
