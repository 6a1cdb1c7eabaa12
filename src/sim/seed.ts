import seedrandom from 'seedrandom';

/**
 * Seeded randomness for the simulated world. One root seed per run; each subsystem draws from
 * its own stream derived from it (`streamFor`), so a draw added in one subsystem never reshuffles
 * another. Per-key draws (`keyedUnit`, `keyedRng`) are pure functions of (seed, key parts), so
 * results can be produced lazily, in any order, and still be identical.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
}

export const SEED_MAX = Number.MAX_SAFE_INTEGER;

/** A subsystem's sequential stream (seedrandom's ARC4 generator) derived from the root seed. */
export function streamFor(rootSeed: number, subsystem: string): Rng {
  const prng = seedrandom(`${rootSeed}/${subsystem}`);
  return wrap(() => prng.quick());
}

/** A fast generator (sfc32) seeded by hashing (seed, ...parts): a pure function of its key. */
export function keyedRng(rootSeed: number, ...parts: readonly (string | number)[]): Rng {
  const [a, b, c, d] = cyrb128(keyOf(rootSeed, parts));
  return new Sfc32(a, b, c, d);
}

/** One uniform draw in [0, 1) that depends only on (seed, ...parts). */
export function keyedUnit(rootSeed: number, ...parts: readonly (string | number)[]): number {
  return cyrb128(keyOf(rootSeed, parts))[0] / 4294967296;
}

/** An unambiguous key: each part carries its length, so ('a|b') and ('a', 'b') never collide. */
function keyOf(rootSeed: number, parts: readonly (string | number)[]): string {
  let key = String(rootSeed);
  for (const part of parts) {
    const text = String(part);
    key += `|${text.length}:${text}`;
  }
  return key;
}

/** A class, not closures: one is made per result row on the hot path. */
class Sfc32 implements Rng {
  constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {}

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) + t;
    this.c |= 0;
    return (t >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
}

function wrap(next: () => number): Rng {
  return {
    next,
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    between: (min, max) => min + next() * (max - min),
  };
}

/** cyrb128: a small, well-mixed 128-bit string hash (public domain, bryc). */
function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
