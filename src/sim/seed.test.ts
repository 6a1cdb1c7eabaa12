import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyedRng, keyedUnit, type Rng, SEED_MAX, streamFor } from './seed.js';

const draw = (rng: Rng, count: number): number[] => Array.from({ length: count }, () => rng.next());
const seedArb = fc.integer({ min: 0, max: SEED_MAX });
const partsArb = fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 4 });

/** Mean and decile shares of `values`, which should be uniform in [0, 1). */
function spread(values: readonly number[]): { mean: number; deciles: number[] } {
  const deciles = new Array<number>(10).fill(0);
  for (const v of values) deciles[Math.floor(v * 10)]! += 1 / values.length;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, deciles };
}

function expectRoughlyUniform(values: readonly number[]): void {
  const { mean, deciles } = spread(values);
  expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  for (const share of deciles) {
    expect(share).toBeGreaterThanOrEqual(0.07);
    expect(share).toBeLessThanOrEqual(0.13);
  }
}

describe('streamFor', () => {
  it('gives the same sequence for the same (seed, subsystem)', () => {
    fc.assert(
      fc.property(seedArb, fc.string(), (seed, subsystem) => {
        expect(draw(streamFor(seed, subsystem), 16)).toEqual(draw(streamFor(seed, subsystem), 16));
      }),
      { numRuns: 50 },
    );
  });

  it('gives different sequences to different subsystems and to different seeds', () => {
    fc.assert(
      fc.property(seedArb, fc.string(), fc.string(), (seed, a, b) => {
        fc.pre(a !== b);
        expect(draw(streamFor(seed, a), 8)).not.toEqual(draw(streamFor(seed, b), 8));
        expect(draw(streamFor(seed, a), 8)).not.toEqual(draw(streamFor(seed + 1, a), 8));
      }),
      { numRuns: 50 },
    );
  });

  it("is not disturbed by extra draws from another subsystem's stream", () => {
    fc.assert(
      fc.property(seedArb, fc.nat(200), (seed, extra) => {
        const ids = streamFor(seed, 'batch-ids');
        const requestIds = streamFor(seed, 'request-ids');
        const first = draw(requestIds, 4);
        draw(ids, extra);
        const rest = draw(requestIds, 4);
        expect([...first, ...rest]).toEqual(draw(streamFor(seed, 'request-ids'), 8));
      }),
      { numRuns: 50 },
    );
  });

  it('draws roughly uniformly in [0, 1)', () => {
    const values = draw(streamFor(42, 'uniformity'), 10_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expectRoughlyUniform(values);
  });
});

describe('keyedRng and keyedUnit', () => {
  it('never confuses a part containing the separator with two parts', () => {
    expect(keyedUnit(1, 'a|b')).not.toBe(keyedUnit(1, 'a', 'b'));
    expect(keyedUnit(1, 'a', 'b|c')).not.toBe(keyedUnit(1, 'a|b', 'c'));
    expect(keyedUnit(1, 12, 3)).not.toBe(keyedUnit(1, 1, 23));
  });

  it('are pure functions of (seed, key parts), in [0, 1)', () => {
    fc.assert(
      fc.property(seedArb, partsArb, (seed, parts) => {
        const unit = keyedUnit(seed, ...parts);
        expect(unit).toBe(keyedUnit(seed, ...parts));
        expect(unit).toBeGreaterThanOrEqual(0);
        expect(unit).toBeLessThan(1);
        const values = draw(keyedRng(seed, ...parts), 8);
        expect(values).toEqual(draw(keyedRng(seed, ...parts), 8));
        for (const v of values) expect(v >= 0 && v < 1).toBe(true);
      }),
    );
  });

  it('depend on every key part and on the seed', () => {
    fc.assert(
      fc.property(seedArb, fc.string(), fc.string(), (seed, a, b) => {
        fc.pre(a !== b);
        expect(keyedUnit(seed, 'k', a)).not.toBe(keyedUnit(seed, 'k', b));
        expect(draw(keyedRng(seed, a, 'k'), 4)).not.toEqual(draw(keyedRng(seed, b, 'k'), 4));
        expect(draw(keyedRng(seed, a), 4)).not.toEqual(draw(keyedRng(seed + 1, a), 4));
      }),
    );
  });

  it('are roughly uniform over 10,000 keys', () => {
    expectRoughlyUniform(Array.from({ length: 10_000 }, (_, i) => keyedUnit(7, 'row', i)));
    expectRoughlyUniform(Array.from({ length: 10_000 }, (_, i) => keyedRng(7, 'row', i).next()));
  });

  it('keep a keyed generator roughly uniform along its own sequence', () => {
    expectRoughlyUniform(draw(keyedRng(7, 'sequence'), 10_000));
  });
});

describe('Rng helpers', () => {
  it('int(n) is an integer in [0, n) and reaches both ends', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 1_000_000 }), (seed, n) => {
        const rng = keyedRng(seed, 'int');
        for (let i = 0; i < 50; i++) {
          const k = rng.int(n);
          expect(Number.isInteger(k)).toBe(true);
          expect(k).toBeGreaterThanOrEqual(0);
          expect(k).toBeLessThan(n);
        }
      }),
    );
    const rolls = new Set(Array.from({ length: 500 }, (_, i) => keyedRng(3, i).int(6)));
    expect([...rolls].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('between(min, max) stays in [min, max)', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        (seed, min, width) => {
          const rng = streamFor(seed, 'between');
          for (let i = 0; i < 20; i++) {
            const v = rng.between(min, min + width);
            expect(v >= min && v < min + width).toBe(true);
          }
        },
      ),
    );
  });
});
