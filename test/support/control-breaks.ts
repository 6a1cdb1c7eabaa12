import type { GateInput, GateVerdict } from '../../src/pipeline/gate/output-gate.js';

/*
 * Each control of the pipeline broken the way a bad change would break it (its statement dropped,
 * a comparison flipped, an argument ignored), for the tests that prove a broken control fails its
 * drill (broken-controls.test.ts) and its property (controls-off.property.test.ts). Each function
 * takes a control's real module and the test's switches, and returns the module a `vi.mock`
 * factory gives in its place: the real one, but for the function a raised switch breaks.
 *
 *   const broken = vi.hoisted(() => ({ ...SWITCHES }));
 *   vi.mock('../src/pipeline/run/spend-guard.js', async (original) =>
 *     (await import('./support/control-breaks.js')).spendGuard(await original(), broken));
 *
 * Never a switch in src/: with every switch down each module is exactly the real one. A file that
 * mocks modules runs in vitest's isolated project (vitest.config.ts).
 */

/** Which control is broken now: at most one at a time, lowered after every test. */
export const SWITCHES = {
  /** The preflight: no ceiling stands against the worst case. */
  preflight: false,
  /** The canary's verdict ignored: every canary releases the run. */
  canary: false,
  /** No submission ledger: a create whose outcome is unknown is tried again, blind. */
  ledger: false,
  /** A lost answer is never requeued. */
  requeue: false,
  /** The attempt bound's `<` flipped to `<=`. */
  attemptsBound: false,
  /** Ids with no result line forgotten: never requeued, never given a disposition. */
  missingIds: false,
  /** Results joined by their place in the file, not by custom_id. */
  positional: false,
  /** Conflicting duplicates and unknown ids taken as they come. */
  lenientLines: false,
  /** The input hash ignored: a row edited since submit is never seen. */
  inputHash: false,
  /** The gate's schema (and truncation) check dropped. */
  gate: false,
  /** The gate's on-task check dropped. */
  onTask: false,
  /** The golden drift check never alarms, on a drop from the baseline nor below the minimum. */
  goldenDrift: false,
  /** The spend guard between rounds lets every round through. */
  spendGuard: false,
  /** Promote keeps no before-images. */
  beforeImages: false,
  /** `rollback --ids` ignored: the whole run is rolled back. */
  rollbackIds: false,
  /** `assess --batch` ignored: the assessment names every row the run touched. */
  assessBatches: false,
};
export type Switches = typeof SWITCHES;

/** Lower every switch (after each test). */
export function mendAll(broken: Switches): void {
  for (const name of Object.keys(broken) as (keyof Switches)[]) broken[name] = false;
}

export function preflight(real: typeof import('../../src/pipeline/run/preflight.js'), broken: Switches) {
  return {
    ...real,
    preflightCost: async (ctx: Parameters<typeof real.preflightCost>[0]) => {
      const breakdown = await real.preflightCost(ctx);
      return broken.preflight ? { ...breakdown, ceilingUsd: Number.POSITIVE_INFINITY } : breakdown;
    },
  };
}

export function gradeCanary(
  real: typeof import('../../src/pipeline/gate/grade-canary.js'),
  broken: Switches,
) {
  return {
    ...real,
    gradeCanary: (...args: Parameters<typeof real.gradeCanary>) => {
      const verdict = real.gradeCanary(...args);
      return broken.canary ? { ...verdict, release: true, reasons: [] } : verdict;
    },
    goldenDrop: (...args: Parameters<typeof real.goldenDrop>) => {
      const drop = real.goldenDrop(...args);
      return broken.goldenDrift ? { ...drop, alarm: false } : drop;
    },
    goldenBelowMin: (...args: Parameters<typeof real.goldenBelowMin>) => {
      const floor = real.goldenBelowMin(...args);
      return broken.goldenDrift ? { ...floor, alarm: false } : floor;
    },
  };
}

export function createBatch(real: typeof import('../../src/pipeline/run/create-batch.js'), broken: Switches) {
  // No ledger: a create whose outcome is unknown is simply tried again, and a resumed
  // submission creates its batch again, never looking for the one it may have made.
  const blindCreate: typeof real.createOrAdopt = async (ctx, _submission, requests) => {
    for (let tries = 1; ; tries++) {
      try {
        const batch = await ctx.client.messages.batches.create({ requests: [...requests] });
        return { batchId: batch.id, adopted: false };
      } catch (error) {
        if (tries >= real.CREATE_ATTEMPTS_MAX) throw error;
        await ctx.env.clock.sleep(1_000);
      }
    }
  };
  return {
    ...real,
    createOrAdopt: (...args: Parameters<typeof real.createOrAdopt>) =>
      broken.ledger ? blindCreate(...args) : real.createOrAdopt(...args),
  };
}

export function rowStates(real: typeof import('../../src/pipeline/run/row-states.js'), broken: Switches) {
  return {
    ...real,
    queueSql: (ctx: Parameters<typeof real.queueSql>[0], scope: 'canary' | 'all') => {
      const sql = real.queueSql(ctx, scope);
      if (broken.requeue) return sql.replace("kind = 'retry'", 'false');
      if (broken.attemptsBound) return sql.replace(` < ${ctx.job.attempts}`, ` <= ${ctx.job.attempts}`);
      return sql;
    },
  };
}

export function reconcileIds(
  real: typeof import('../../src/pipeline/run/reconcile-ids.js'),
  broken: Switches,
) {
  // The n-th line answers the n-th request sent (the world returns lines shuffled, as the API may).
  const byPosition = `SELECT r.* REPLACE (q.custom_id AS custom_id) FROM
      (SELECT *, row_number() OVER (ORDER BY line_no) AS pos FROM raw_results WHERE run_id = $1 AND submission_id = $2) r
      JOIN (SELECT custom_id, row_number() OVER (ORDER BY custom_id) AS pos FROM requests
            WHERE run_id = $1 AND submission_id = $2) q ON q.pos = r.pos`;
  return {
    ...real,
    reconcileIds: async (...args: Parameters<typeof real.reconcileIds>) => {
      const ids = await real.reconcileIds(...args);
      if (broken.missingIds) return { ...ids, missing: [] };
      if (broken.positional) return { ...ids, firstLines: byPosition };
      if (broken.lenientLines) return { ...ids, conflicting: new Set<string>(), unknown: [] };
      return ids;
    },
  };
}

export function sourceReader(
  real: typeof import('../../src/pipeline/run/source-reader.js'),
  broken: Switches,
) {
  // A row's "current" hash is the one it was submitted with: an edit made since is never seen
  // (by the gate nor by reconcile).
  return {
    ...real,
    currentHashesSql: (job: Parameters<typeof real.currentHashesSql>[0], keysSql: string) => {
      if (!broken.inputHash) return real.currentHashesSql(job, keysSql);
      const runId = /run_id = '([^']+)'/.exec(keysSql)?.[1];
      return `SELECT row_key, input_hash AS h FROM source_rows WHERE run_id = '${runId}' AND row_key IN (${keysSql})`;
    },
  };
}

export function outputGate(real: typeof import('../../src/pipeline/gate/output-gate.js'), broken: Switches) {
  /** The answer as an object, if its text is one: what a gate without its check would pass. */
  const asObject = (text: string): Record<string, unknown> | null => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  };
  return {
    ...real,
    makeOutputGate: (...args: Parameters<typeof real.makeOutputGate>) => {
      const gate = real.makeOutputGate(...args);
      return {
        check(input: GateInput): GateVerdict {
          const verdict = gate.check(input);
          if (verdict.valid) return verdict;
          const passes =
            (broken.gate && ['schema', 'range', 'truncated'].includes(verdict.reason)) ||
            (broken.onTask && verdict.reason === 'off_task');
          const output = passes ? asObject(input.text) : null;
          return output ? { valid: true, output } : verdict;
        },
      };
    },
  };
}

export function spendGuard(real: typeof import('../../src/pipeline/run/spend-guard.js'), broken: Switches) {
  return {
    ...real,
    roundWithinCeiling: async (ctx: Parameters<typeof real.roundWithinCeiling>[0]) =>
      broken.spendGuard ? true : real.roundWithinCeiling(ctx),
  };
}

export function promote(real: typeof import('../../src/pipeline/run/promote.js'), broken: Switches) {
  return {
    ...real,
    promote: async (ctx: Parameters<typeof real.promote>[0]) => {
      const promoted = await real.promote(ctx);
      if (broken.beforeImages) await ctx.db.exec('DELETE FROM before_images WHERE run_id = ?', [ctx.runId]);
      return promoted;
    },
  };
}

export function rollback(real: typeof import('../../src/pipeline/run/rollback.js'), broken: Switches) {
  return {
    ...real,
    rollbackRun: (...[db, runId, clock, options]: Parameters<typeof real.rollbackRun>) =>
      real.rollbackRun(db, runId, clock, broken.rollbackIds ? { ...options, ids: undefined } : options),
  };
}

export function assess(real: typeof import('../../src/pipeline/run/assess.js'), broken: Switches) {
  return {
    ...real,
    assessRun: (...[db, runId, onId, options]: Parameters<typeof real.assessRun>) =>
      real.assessRun(db, runId, onId, broken.assessBatches ? {} : options),
  };
}
