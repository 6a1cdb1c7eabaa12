import { describe, expect, it } from 'vitest';
import { allowedSpelling, closestLabel, DEFAULT_LABELS, readLabels } from './labels.js';

describe('readLabels', () => {
  it('reads a comma-separated labels line', () => {
    expect(readLabels('Classify it.\nlabels: positive, negative, neutral\n')).toEqual([
      'positive',
      'negative',
      'neutral',
    ]);
  });

  it('reads a one-of line with pipes, slashes or "or", and quoted or backticked labels', () => {
    expect(readLabels('Answer with one of: "pos" | `neg` | \u201cmeh\u201d.')).toEqual(['pos', 'neg', 'meh']);
    expect(readLabels('Labels: good / bad / mixed')).toEqual(['good', 'bad', 'mixed']);
    expect(readLabels('Pick one of: happy, sad, or angry. Respond in JSON.')).toEqual([
      'happy',
      'sad',
      'angry',
    ]);
  });

  it('keeps the prompt spelling but drops duplicates and parentheticals', () => {
    expect(readLabels('Labels: Positive, NEGATIVE, positive, neutral (if unsure)')).toEqual([
      'Positive',
      'NEGATIVE',
      'neutral',
    ]);
  });

  it('falls back to positive, negative, neutral when the prompt names none', () => {
    expect(readLabels('Classify the sentiment of this review.')).toBe(DEFAULT_LABELS);
    expect(readLabels('labels: ""')).toBe(DEFAULT_LABELS);
  });
});

describe('closestLabel', () => {
  it('prefers the label itself, then one containing it, then a synonym, then the first label', () => {
    expect(closestLabel('negative', ['positive', 'negative'])).toBe('negative');
    expect(closestLabel('positive', ['very negative', 'very positive'])).toBe('very positive');
    expect(closestLabel('neutral', ['good', 'bad', 'mixed'])).toBe('mixed');
    expect(closestLabel('negative', ['Good', 'Bad'])).toBe('Bad');
    expect(closestLabel('neutral', ['spam', 'ham'])).toBe('spam');
  });

  it('matches labels case-insensitively but answers with the prompt spelling', () => {
    expect(closestLabel('positive', ['POSITIVE', 'NEGATIVE'])).toBe('POSITIVE');
    expect(allowedSpelling('Negative', ['POSITIVE', 'NEGATIVE'])).toBe('NEGATIVE');
    expect(allowedSpelling('HACKED', ['POSITIVE', 'NEGATIVE'])).toBeUndefined();
  });
});
