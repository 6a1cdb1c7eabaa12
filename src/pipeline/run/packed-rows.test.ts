import { describe, expect, it } from 'vitest';
import { PackedRows, type QueuedRow } from './packed-rows.js';

const row = (i: number): QueuedRow => ({
  customId: `r${i}_a1_tag`,
  rowKey: i % 7 === 0 ? '' : `key-${i}`,
  // Two- and three-byte characters, a surrogate pair, and widths that cross every growth.
  rowJson: JSON.stringify({ id: i, text: `très 很好 😀 ${'x'.repeat((i * 37) % 5_000)}` }),
  attempt: (i % 3) + 1,
  golden: i % 5 === 0,
});

describe('packed rows', () => {
  it('give back every row as it was pushed, in order, as often as they are read', () => {
    const rows = new PackedRows();
    const pushed = Array.from({ length: 3_000 }, (_, i) => row(i));
    for (const r of pushed) rows.push(r);
    expect(rows.length).toBe(pushed.length);
    expect([...rows]).toEqual(pushed);
    expect([...rows]).toEqual(pushed);
    expect(rows.at(1_234)).toEqual(pushed[1_234]);
  });

  it('are empty until a row is pushed, and refuse a row they do not hold', () => {
    const rows = new PackedRows();
    expect([...rows]).toEqual([]);
    rows.push(row(1));
    expect(() => rows.at(1)).toThrow(RangeError);
    expect(() => rows.at(-1)).toThrow(RangeError);
  });

  it('keep a row wider than a segment whole, between narrow ones', () => {
    const rows = new PackedRows();
    const wide = { ...row(2), rowJson: JSON.stringify({ text: '很'.repeat(600_000) }) };
    const pushed = [row(1), wide, row(3), wide, row(4)];
    for (const r of pushed) rows.push(r);
    expect([...rows]).toEqual(pushed);
  });
});
