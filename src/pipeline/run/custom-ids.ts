import { createHash } from 'node:crypto';

const READABLE_KEY = /^[A-Za-z0-9_-]{1,54}$/;

/**
 * The custom_id of one attempt at one row, derived from the row's stable key (never from its
 * position): `r_<key>_<attempt>` when the key is short and in the API's alphabet, else
 * `rh_<sha256(key), 40 hex>_<attempt>`; golden rows use `g`/`gh`. Always matches
 * `^[a-zA-Z0-9_-]{1,64}$`, and distinct (key, attempt, golden) give distinct ids.
 */
export function customIdFor(rowKey: string, attempt: number, golden: boolean): string {
  const prefix = golden ? 'g' : 'r';
  const stem = READABLE_KEY.test(rowKey)
    ? `${prefix}_${rowKey}`
    : `${prefix}h_${createHash('sha256').update(rowKey).digest('hex').slice(0, 40)}`;
  return `${stem}_${attempt}`;
}

/** Golden rows live beside source rows under their own key space. */
export const goldenRowKey = (key: string): string => `golden:${key}`;
