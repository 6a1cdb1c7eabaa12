import { describe, expect, it } from 'vitest';
import { countInputTokens, estimateTokens, promptText } from './tokens.js';

describe('estimateTokens', () => {
  it('counts a token per four characters, rounding up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('a')).toBe(1);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens('x'.repeat(400))).toBe(100);
  });
});

describe('promptText', () => {
  it('joins the system text and every message text with newlines', () => {
    const messages = [
      { role: 'user', content: 'Classify this.' },
      { role: 'assistant', content: [{ type: 'text', text: '{"label":' }] },
    ];
    expect(promptText('You are careful.', messages)).toBe('You are careful.\nClassify this.\n{"label":');
  });

  it('reads a system given as text blocks', () => {
    const system = [
      { type: 'text', text: 'Rule one.' },
      { type: 'text', text: 'Rule two.' },
    ];
    expect(promptText(system, [])).toBe('Rule one.\nRule two.');
  });

  it('counts only text blocks and skips junk instead of throwing', () => {
    const messages = [
      { role: 'user', content: [{ type: 'image', source: {} }, { type: 'text', text: 'kept' }, null, 7] },
      null,
      'a bare string',
      { role: 'user' },
      { role: 'user', content: [{ type: 'text', text: 42 }] },
    ];
    expect(promptText(12, messages)).toBe('kept');
    expect(promptText(undefined, 'not an array')).toBe('');
    expect(promptText({ text: 'no type' }, { content: 'not an array either' })).toBe('');
  });
});

describe('countInputTokens', () => {
  it('adds 4 tokens per message and 3 per request to the text estimate', () => {
    const messages = [
      { role: 'user', content: 'abcdefgh' },
      { role: 'assistant', content: 'abcd' },
    ];
    // text 'sys\nabcdefgh\nabcd' is 17 characters: 5 tokens.
    expect(countInputTokens('sys', messages)).toBe(5 + 2 * 4 + 3);
  });

  it('charges only the request framing for an empty or junk request', () => {
    expect(countInputTokens(undefined, [])).toBe(3);
    expect(countInputTokens(null, 'junk')).toBe(3);
  });
});
