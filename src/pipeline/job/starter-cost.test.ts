import { describe, expect, it } from 'vitest';
import { ceilingFor, starterCost, usd } from './starter-cost.js';

describe('the starter cost ceiling', () => {
  it('is the worst case and half again, rounded up to two significant digits, at least a cent', () => {
    expect(ceilingFor(6.94)).toBe(11);
    expect(ceilingFor(0.123)).toBe(0.19);
    expect(ceilingFor(1000)).toBe(1500);
    expect(ceilingFor(0.2)).toBe(0.3);
    expect(ceilingFor(0.003)).toBe(0.01);
    expect(ceilingFor(0)).toBe(0.01);
  });

  it('prices every row at full max_tokens on each model, at batch prices', () => {
    const cost = starterCost({
      rows: 1000,
      chars: 400_000,
      template: 'Classify: {{text}}',
      maxTokens: 200,
      models: ['claude-haiku-4-5', 'claude-sonnet-4-5'],
    });
    // 'Classify: ' (10) + a fenced placeholder (2 × 17 + 5) a row, then the values; + 8 a row.
    expect(cost.inputTokens).toBe(Math.ceil((1000 * 49 + 400_000) / 4) + 8000);
    expect(cost.outputTokens).toBe(200_000);
    // Haiku 4.5 $1 / $5, Sonnet 4.5 $3 / $15 per million, halved.
    const expected = (cost.inputTokens * (1 + 3) + 200_000 * (5 + 15)) / 2e6;
    expect(cost.worstUsd).toBeCloseTo(expected, 10);
    expect(cost.ceilingUsd).toBe(ceilingFor(expected));
  });

  it('prints dollars in cents, and fractions of a cent in two digits', () => {
    expect([usd(6.932), usd(0.7), usd(1234.5), usd(0.0074), usd(0.000123)]).toEqual([
      '$6.93',
      '$0.70',
      '$1,234.50',
      '$0.0074',
      '$0.00012',
    ]);
  });
});
