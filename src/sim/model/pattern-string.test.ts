import { describe, expect, it } from 'vitest';
import { keyedRng } from '../seed.js';
import { patternString } from './pattern-string.js';

describe('patternString', () => {
  it.each([
    '^[A-Z]{3}-\\d{4}$',
    '^(low|medium|high)$',
    '^(?:\\+\\d{1,3} )?\\d{3}[-.]\\d{4}$',
    '^[^@\\s]+@[a-z]+\\.com$',
    '^\\w+( \\w+)*$',
    'ab?c*d+e{2,}',
    '^[a-f0-9]{8}$',
  ])('writes strings that match %s, drawing afresh for each repeat', (pattern) => {
    const regex = new RegExp(pattern, 'u');
    const drawn = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const text = patternString(pattern, keyedRng(seed, 'pattern'));
      expect(text !== undefined && regex.test(text), `${pattern}: ${text}`).toBe(true);
      drawn.add(text!);
    }
    expect(drawn.size).toBeGreaterThan(1);
  });

  it('gives up on what it does not read: lookarounds, backreferences, word boundaries, bad syntax', () => {
    for (const pattern of ['(?=a)a', '(a)\\1', '\\bword\\b', '(?<name>a)', '[a-', '*a', 'a{3,1}'])
      expect(patternString(pattern, keyedRng(1, 'pattern')), pattern).toBeUndefined();
  });
});
