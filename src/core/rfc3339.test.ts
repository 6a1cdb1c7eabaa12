import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from './rfc3339.js';

const YEAR_0_MS = Date.parse('0000-01-01T00:00:00Z');
/** Up to here |epochMs| × 1000 is an exact double (epochMs × 125 ≤ 2^53): about 4253-05-31. */
const EXACT_MICROS_MAX_MS = Math.floor(2 ** 53 / 125);
const YEAR_1900_MS = Date.UTC(1900, 0, 1);
const YEAR_2100_MS = Date.UTC(2100, 0, 1);

const LEAP_AND_EDGE_DAYS: [number][] = [
  [0],
  [-1],
  [YEAR_0_MS],
  [Date.UTC(2024, 1, 29, 12, 34, 56, 789)],
  [Date.UTC(2100, 2, 1)],
  [Date.UTC(2100, 1, 28, 23, 59, 59, 999)],
  [Date.UTC(2000, 1, 29)],
  [Date.UTC(1900, 2, 1) - 1],
  [Date.UTC(1969, 11, 31, 23, 59, 59, 999)],
];

describe('formatRfc3339', () => {
  it('agrees with Date#toISOString to the millisecond from year 0 on, leap days and pre-1970 included', () => {
    fc.assert(
      fc.property(fc.integer({ min: YEAR_0_MS, max: EXACT_MICROS_MAX_MS }), (ms) => {
        const text = formatRfc3339(ms);
        expect(text.slice(0, 23)).toBe(new Date(ms).toISOString().slice(0, 23));
        expect(text.slice(23)).toBe('000Z');
      }),
      { examples: LEAP_AND_EDGE_DAYS },
    );
  });

  it('always writes exactly six fraction digits and a Z', () => {
    fc.assert(
      fc.property(fc.double({ min: YEAR_0_MS, max: Date.UTC(9999, 11, 31), noNaN: true }), (ms) => {
        expect(formatRfc3339(ms)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      }),
    );
  });

  it('writes the microseconds of a fractional millisecond, also before 1970', () => {
    expect(formatRfc3339(Date.UTC(2024, 8, 24, 18, 37, 24, 100) + 0.435)).toBe('2024-09-24T18:37:24.100435Z');
    expect(formatRfc3339(-0.5)).toBe('1969-12-31T23:59:59.999500Z');
  });

  // Bug: formatRfc3339 rounds epochMs * 1000, which is inexact once epochMs × 125 > 2^53 (after
  // 4253-05-31), so whole milliseconds print with stray microseconds and even a wrong millisecond.
  it('prints a whole millisecond exactly in every year up to 9999', () => {
    const ms = Date.UTC(5635, 7, 11, 14, 26, 38, 833);
    expect(formatRfc3339(ms)).toBe(`${new Date(ms).toISOString().slice(0, 23)}000Z`);
  });
});

describe('parseRfc3339', () => {
  it('round-trips formatRfc3339 to the microsecond (1900–2100, where a double holds microseconds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: YEAR_1900_MS * 1000, max: YEAR_2100_MS * 1000 }), (micros) => {
        const text = formatRfc3339(micros / 1000);
        expect(Math.round(parseRfc3339(text) * 1000)).toBe(micros);
        expect(formatRfc3339(parseRfc3339(text))).toBe(text);
      }),
      { examples: LEAP_AND_EDGE_DAYS.slice(3).map(([ms]) => [ms * 1000 + 7]) },
    );
  });

  it('round-trips whole milliseconds exactly from year 0 on', () => {
    fc.assert(
      fc.property(fc.integer({ min: YEAR_0_MS, max: EXACT_MICROS_MAX_MS }), (ms) => {
        expect(parseRfc3339(formatRfc3339(ms))).toBe(ms);
      }),
      { examples: LEAP_AND_EDGE_DAYS },
    );
  });

  it('applies a numeric offset', () => {
    expect(parseRfc3339('2024-09-24T20:37:24.100435+02:00')).toBe(
      parseRfc3339('2024-09-24T18:37:24.100435Z'),
    );
    const micros = Math.round(parseRfc3339('2024-09-24T18:37:24.100435Z') * 1000);
    expect(micros).toBe(Date.UTC(2024, 8, 24, 18, 37, 24, 100) * 1000 + 435);
  });

  it.each(['garbage', '', 'not-a-date', '2024-09-24T25:00:00Z'])(
    'throws an error that names the input and RFC 3339 for %j',
    (text) => {
      expect(() => parseRfc3339(text)).toThrow(`Failed to parse timestamp: "${text}" is not RFC 3339.`);
    },
  );

  // Bug: parseRfc3339 hands its input to Date.parse, whose fallback parser accepts many strings that
  // are not RFC 3339 date-times, and reads those without an offset in the ambient time zone.
  for (const text of [
    '2024-09-24T18:37:24.100435',
    '2024-09-24',
    '1',
    'March 7, 2024',
    'Tue, 24 Sep 2024 18:37:24 GMT',
    '2024-02-30T00:00:00.000000Z',
  ]) {
    it(`refuses ${JSON.stringify(text)}, which is not an RFC 3339 date-time`, () => {
      expect(() => parseRfc3339(text)).toThrow(/is not RFC 3339/);
    });
  }
});
