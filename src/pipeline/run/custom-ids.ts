import { createHash } from 'node:crypto';

/** A key short enough, and in the API's alphabet, to stand in a custom_id as it is. */
const READABLE_KEY = /^[A-Za-z0-9_-]{1,47}$/;
/** A run's tag: six hex digits (run-job.ts `runTagFor`). */
const RUN_TAG = /^[0-9a-f]{6}$/;

/**
 * The custom_id of one attempt at one row in one run, derived from the row's stable key (never
 * from its position): `r_<key>_<attempt>_<tag>` when the key is short and in the API's alphabet,
 * else `rh_<sha256(key), 40 hex>_<attempt>_<tag>`; golden rows use `g`/`gh`. The run's tag makes
 * the ids of two runs of one job differ, so a batch found in the workspace after a crash can be
 * proved this run's own by the ids in its results (create-batch.ts). Always matches
 * `^[a-zA-Z0-9_-]{1,64}$` (attempts up to 7 digits), and distinct (key, attempt, golden, tag)
 * give distinct ids.
 */
export function customIdFor(rowKey: string, attempt: number, golden: boolean, runTag: string): string {
  if (!RUN_TAG.test(runTag)) throw new Error(`a run tag is six hex digits, not "${runTag}"`);
  const prefix = golden ? 'g' : 'r';
  const stem = READABLE_KEY.test(rowKey)
    ? `${prefix}_${rowKey}`
    : `${prefix}h_${createHash('sha256').update(rowKey).digest('hex').slice(0, 40)}`;
  return `${stem}_${attempt}_${runTag}`;
}

/**
 * `customIdFor` as a DuckDB expression of three SQL expressions (the row's key, its attempt, and
 * whether it is golden), so that a batch's mapping is written by one INSERT … SELECT rather than
 * row by row from TypeScript. DuckDB's `sha256` hashes the key's UTF-8 bytes, as Node's does, and
 * its regular expressions (RE2) read the key's alphabet as `READABLE_KEY` does; custom-ids.test.ts
 * checks the two agree on keys of every kind.
 */
export function customIdSql(key: string, attempt: string, golden: string, runTag: string): string {
  if (!RUN_TAG.test(runTag)) throw new Error(`a run tag is six hex digits, not "${runTag}"`);
  return `(CASE WHEN ${golden} THEN 'g' ELSE 'r' END
    || CASE WHEN regexp_full_match(${key}, '[A-Za-z0-9_-]{1,47}') THEN '_' || ${key} ELSE 'h_' || left(sha256(${key}), 40) END
    || '_' || CAST(${attempt} AS VARCHAR) || '_${runTag}')`;
}

/** Golden rows live beside source rows under their own key space. */
export const goldenRowKey = (key: string): string => `golden:${key}`;
