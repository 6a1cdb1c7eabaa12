import type { Rng } from '../seed.js';

/**
 * A string matching a simple regular expression, for a schema's `pattern`: literals and escapes,
 * `.`, classes (`[a-z0-9_-]`, `[^…]`, `\d \w \s` and their negations), groups with `|`
 * alternatives (`(…)`, `(?:…)`), the quantifiers `? * + {n} {n,} {n,m}` (greedy or lazy), and
 * `^`/`$` at the ends. Anything else (lookarounds, backreferences, `\b`, named groups) returns
 * undefined, and the caller answers a plain string instead, which may not match.
 */
export function patternString(pattern: string, rng: Rng): string | undefined {
  try {
    const parser = new Parser(pattern, rng);
    const text = parser.alternation();
    return parser.done() ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Beyond a quantifier's minimum, at most this many more repeats (the `*` and `+` in realistic answers). */
const REPEATS_EXTRA_MAX = 3;
// biome-ignore format: a character set reads best on one line
const PRINTABLE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.';
const DIGITS = '0123456789';
const WORD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
const CLASS_ESCAPES: Record<string, string> = { d: DIGITS, w: WORD, s: ' ', D: 'ax-', W: '-. ', S: 'ax1' };
const LITERAL_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', '0': '\0' };

class Unsupported extends Error {}

/** A recursive-descent reader that writes one random match while it reads. */
class Parser {
  private at = 0;
  constructor(
    private readonly source: string,
    private readonly rng: Rng,
  ) {}

  done(): boolean {
    return this.at === this.source.length;
  }

  /** Alternatives: every one is read (to find the end), one chosen at random is kept. */
  alternation(): string {
    const options = [this.sequence()];
    while (this.source[this.at] === '|') {
      this.at++;
      options.push(this.sequence());
    }
    return options[this.rng.int(options.length)]!;
  }

  private sequence(): string {
    let out = '';
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') {
      const start = this.at;
      const char = this.source[this.at]!;
      if (char === '^' || char === '$') {
        // Anchors match only at the ends: elsewhere the caller's final test rejects the string.
        this.at++;
        continue;
      }
      this.atom();
      const end = this.at;
      const [min, max] = this.quantifier();
      const count = min + this.rng.int(Math.min(max, min + REPEATS_EXTRA_MAX) - min + 1);
      // Each repeat draws afresh: `\d{4}` is four random digits, not one digit four times.
      for (let i = 0; i < count; i++) {
        this.at = start;
        out += this.atom();
      }
      if (count === 0) this.at = end;
      this.quantifier();
    }
    return out;
  }

  private atom(): string {
    const char = this.source[this.at++]!;
    if (char === '(') {
      if (this.source[this.at] === '?') {
        if (this.source[this.at + 1] !== ':') throw new Unsupported();
        this.at += 2;
      }
      const inner = this.alternation();
      if (this.source[this.at++] !== ')') throw new Unsupported();
      return inner;
    }
    if (char === '[') return this.pick(this.characterClass());
    if (char === '.') return this.pick(PRINTABLE);
    if (char === '\\') return this.escape(false);
    if ('*+?{'.includes(char)) throw new Unsupported();
    return char;
  }

  /** `[…]`: the characters it allows (a negated class: printable ones it does not list). */
  private characterClass(): string {
    const negated = this.source[this.at] === '^';
    if (negated) this.at++;
    let set = '';
    let first = true;
    while (this.source[this.at] !== ']' || first) {
      first = false;
      if (this.at >= this.source.length) throw new Unsupported();
      const low = this.classMember();
      if (this.source[this.at] === '-' && this.source[this.at + 1] !== ']' && low.length === 1) {
        this.at++;
        const high = this.classMember();
        if (high.length !== 1 || high < low) throw new Unsupported();
        for (let c = low.charCodeAt(0); c <= high.charCodeAt(0) && c - low.charCodeAt(0) < 256; c++)
          set += String.fromCharCode(c);
      } else set += low;
    }
    this.at++;
    if (!negated) return set;
    const allowed = [...PRINTABLE].filter((c) => !set.includes(c)).join('');
    if (allowed === '') throw new Unsupported();
    return allowed;
  }

  /** One member of a class: a character, or the set an escape stands for. */
  private classMember(): string {
    const char = this.source[this.at++]!;
    return char === '\\' ? this.escape(true) : char;
  }

  /** After a backslash: a class escape gives its set (inside a class) or one of it; else the literal. */
  private escape(inClass: boolean): string {
    const char = this.source[this.at++];
    if (char === undefined || /[1-9bBkpPux]/.test(char)) throw new Unsupported();
    const set = CLASS_ESCAPES[char];
    if (set !== undefined) return inClass ? set : this.pick(set);
    return LITERAL_ESCAPES[char] ?? char;
  }

  /** A quantifier's bounds ([1, 1] when none follows), also stepping over a lazy `?`. */
  private quantifier(): [number, number] {
    const char = this.source[this.at];
    let bounds: [number, number] = [1, 1];
    if (char === '?') bounds = [0, 1];
    else if (char === '*') bounds = [0, Infinity];
    else if (char === '+') bounds = [1, Infinity];
    else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at));
      if (match === null) throw new Unsupported();
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      if (max < min) throw new Unsupported();
      this.at += match[0].length;
      if (this.source[this.at] === '?') this.at++;
      return [min, max];
    } else return bounds;
    this.at++;
    if (this.source[this.at] === '?') this.at++;
    return bounds;
  }

  private pick(set: string): string {
    return set[this.rng.int(set.length)]!;
  }
}
