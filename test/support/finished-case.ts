import { type CaseRun, caseRun } from '../../src/drills/soak/case-run.js';
import type { CaseSpec } from '../../src/drills/soak/soak-case.js';
import { fenceTag } from '../../src/pipeline/prompt/render-request.js';
import type { RunContext } from '../../src/pipeline/run/run-context.js';

/**
 * A clean generated case run to its end, handed to `body` with a run context for the pipeline's
 * SQL helpers (its database, run id, job and fence), and removed afterwards.
 */
export async function withFinishedCase(
  spec: Pick<CaseSpec, 'seed' | 'rows' | 'goldenRows'>,
  body: (run: CaseRun, ctx: RunContext) => Promise<void>,
): Promise<void> {
  const run = await caseRun({ ...spec, faults: [], httpRate: 0 });
  try {
    const { runId } = await run.run();
    await body(run, { db: run.db, runId, job: run.job, fence: fenceTag(runId) } as RunContext);
  } finally {
    await run.dispose();
  }
}
