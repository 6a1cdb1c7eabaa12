import { describe, expect, it } from 'vitest';
import { isClassificationTask, outsideText, readPrompt } from './prompt.js';

describe('isClassificationTask', () => {
  it('recognizes prompts that mention classifying or labels, in any case', () => {
    expect(isClassificationTask('CLASSIFY the review')).toBe(true);
    expect(isClassificationTask('Give it a label.')).toBe(true);
    expect(isClassificationTask('Labels: a, b')).toBe(true);
    expect(isClassificationTask('Write a haiku about autumn.')).toBe(false);
  });
});

describe('readPrompt', () => {
  it('takes the last complete tag block as fenced data', () => {
    const parts = readPrompt(
      'Classify.\n<example>great</example>\n<review id="7">  It broke.  </review>\nThanks',
    );
    expect(parts).toMatchObject({ data: 'It broke.', fenced: true });
    expect(outsideText(parts)).toBe('Classify.\n<example>great</example>\n\n\nThanks');
  });

  it('requires the closing tag to match the opening one', () => {
    const parts = readPrompt('Classify.\n<review>It broke.</reveiw>\nReview: fine');
    expect(parts).toMatchObject({ data: 'fine', fenced: false });
  });

  it('does not take a longer tag name for the opening tag', () => {
    expect(readPrompt('Review: <review-text>a b</review>').data).toBe('<review-text>a b</review>');
    expect(readPrompt('<review>x</review><review-text>y</review-text>').data).toBe('y');
  });

  it('skips an unmatched closing tag for the last complete block before it', () => {
    expect(readPrompt('<review>a</review> b</data>')).toMatchObject({ data: 'a', fenced: true });
  });

  it('falls back to the text after the last Text: or Review: line, unfenced', () => {
    const parts = readPrompt('Classify this.\nText: first\nreview:  It broke.\nSecond line.');
    expect(parts).toMatchObject({ data: 'It broke.\nSecond line.', fenced: false });
    expect(outsideText(parts)).toBe('Classify this.\nText: first\nreview:');
  });

  it('falls back to the whole prompt, which is then also the text outside the data', () => {
    const text = 'Classify the sentiment: it broke';
    expect(readPrompt(text)).toMatchObject({ data: text, fenced: false });
    expect(outsideText(readPrompt(text))).toBe(text);
  });
});
