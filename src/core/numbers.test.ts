import { describe, expect, it } from 'vitest';
import { countOf, formatCount, formatDuration, formatShare, formatUsd } from './numbers.js';

describe('numbers in human output', () => {
  it('groups counts in thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(12345)).toBe('12,345');
    expect(formatCount(-1234567)).toBe('-1,234,567');
    expect(formatCount(1234.5)).toBe('1,234.5');
  });

  it('puts the noun that agrees with the count after it', () => {
    expect(countOf(1, 'id')).toBe('1 id');
    expect(countOf(12345, 'row')).toBe('12,345 rows');
    expect(countOf(2, 'batch', 'batches')).toBe('2 batches');
  });

  it('writes dollars with cents and separators, and keeps three significant digits under a dollar', () => {
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(12.3456)).toBe('$12.35');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.1234)).toBe('$0.123');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0.000123456)).toBe('$0.000123');
    expect(formatUsd(-3.5)).toBe('-$3.50');
  });

  it('writes shares as percentages with one decimal', () => {
    expect(formatShare(1)).toBe('100.0%');
    expect(formatShare(0.8234)).toBe('82.3%');
    expect(formatShare(0)).toBe('0.0%');
  });
});

describe('formatDuration', () => {
  it('gives seconds with a tenth under a minute, then minutes and seconds, then hours and minutes', () => {
    expect(formatDuration(0)).toBe('0.0 s');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(59_949)).toBe('59.9 s');
    expect(formatDuration(65_432)).toBe('1 m 05 s');
    expect(formatDuration(-5)).toBe('0.0 s');
    expect(formatDuration(2 * 3_600_000 + 7 * 60_000 + 59_000)).toBe('2 h 07 m');
  });
});
