import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rollbackRun } from '../src/pipeline/run/rollback.js';
import { runCase } from './arbitraries/run-case.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';
import { caseRun } from './support/property-run.js';

/*
 * Invariants 1, 2, 3, 4 and 6 (DESIGN) over generated seeds, sizes, fault mixes and HTTP rates:
 * one run of the real pipeline per case serves all of them, with the world's ground truth as
 * the oracle. Whatever the faults did, and whether the run promoted, halted, was held or refused:
 * every row has one disposition, nothing invalid or misattributed is promoted, spend stays within
 * the ceiling with no batch billed twice, rows no fault touched are not quarantined, and a
 * rollback puts the sink back exactly.
 */

const FILE = 'test/invariants.property.test.ts';

describe('the pipeline, over any seed and fault mix', () => {
  it(
    'keeps coverage, validity, mapping and spend, and rolls back exactly',
    async () => {
      await checkProperty(
        'invariants 1, 2, 3, 4, 6',
        FILE,
        fc.asyncProperty(runCase(), async (c) => {
          const run = await caseRun(c);
          try {
            const summary = await run.run();
            // A refused launch plans nothing, so it has no dispositions to count.
            const invariants = [
              'nothing_invalid_promoted',
              'mapping',
              'spend_within_ceiling',
              'no_double_billing',
            ] as const;
            const broken: string[] = [];
            if (summary.status !== 'refused') broken.push(...(await run.check(summary, 'coverage')));
            for (const name of invariants) broken.push(...(await run.check(summary, name)));
            // The gate's precision: rows no fault touched are (nearly) never quarantined.
            broken.push(...(await run.check(summary, 'clean_quarantine_max', 0.1)));
            expect(broken, broken.join('; ')).toEqual([]);

            // Rollback: the rows the run touched go back to their before-images; no other row moves.
            const sink = await run.sink();
            const others = (rows: typeof sink) => rows.filter((r) => r.run_id !== summary.runId);
            const strangers = others(sink).filter((r) => !run.prior.some((p) => p.key === r.key));
            expect(strangers, 'rows in the sink from neither this run nor before it').toEqual([]);
            // A run that did not promote wrote nothing to roll back; one that did is undone exactly.
            if (summary.status === 'promoted') await rollbackRun(run.db, summary.runId, run.world.sim.clock);
            expect(await run.sink()).toEqual(run.prior);
          } finally {
            await run.dispose();
          }
        }),
        40,
      );
    },
    propertyTimeout(600_000),
  );
});
