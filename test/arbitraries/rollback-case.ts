import fc from 'fast-check';

/** Most rows run A reads; each flag list below has one flag a row. */
export const ROLLBACK_ROWS_MAX = 16;

/**
 * Two runs over one sink and a rollback by id: A reads `rows` rows; B reads those of them flagged
 * `inB` (at least one) and rows of its own; the sink held the rows flagged `inPrior` before A;
 * the rollback names A's promoted rows flagged `chosen`, each by its key or by its custom_id
 * (`byKey`). Flags are taken by position, cycling.
 */
export interface RollbackCase {
  seed: number;
  rows: number;
  inB: boolean[];
  inPrior: boolean[];
  chosen: boolean[];
  byKey: boolean[];
}

const flags = fc.array(fc.boolean(), { minLength: ROLLBACK_ROWS_MAX, maxLength: ROLLBACK_ROWS_MAX });

export function rollbackCase(): fc.Arbitrary<RollbackCase> {
  return fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    rows: fc.integer({ min: 6, max: ROLLBACK_ROWS_MAX }),
    inB: flags,
    inPrior: flags,
    chosen: flags,
    byKey: flags,
  });
}
