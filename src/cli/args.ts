import { UsageError } from '../core/errors.js';

/** Parse a whole number flag within [min, max], or fail naming the flag. */
export function intFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(
      'bad_flag',
      `Invalid --${name} "${raw}": expected a whole number from ${min} to ${max}.`,
      `Pass --${name} N, for example --${name} ${fallback}.`,
    );
  }
  return Number(raw);
}

/** Parse a positive number flag (fractions allowed), or fail naming the flag. */
export function positiveFlag(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new UsageError(
      'bad_flag',
      `Invalid --${name} "${raw}": expected a number above 0, at most ${max}.`,
      `Pass --${name} N, for example --${name} ${fallback}.`,
    );
  }
  return value;
}
