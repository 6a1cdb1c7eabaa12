import { describe, expect, it } from 'vitest';
import { answerTool, answerToolTokens } from '../src/pipeline/prompt/answer-tool.js';
import { schemaDrift, schemaDriftParams } from '../src/sim/faults/schema-drift.js';
import { jobFolder, reviews, simRun } from './support/pipeline-harness.js';
import { count, expectInvariants } from './support/run-checks.js';

/*
 * The reviews job with `output: {mode: tool}`, end to end in the simulated world: every request
 * forces the answer tool, the world answers with tool_use blocks, the gate reads their input,
 * and the run promotes; under schema drift the broken calls are quarantined with their reasons.
 */

const ROWS = reviews(120);
const TOOL_MODE = { output: { mode: 'tool' } };

describe('a job answering through a forced tool call', () => {
  it('runs end to end and promotes, every request carrying the tool and every answer a tool_use', async () => {
    const { dir, job } = jobFolder(ROWS, TOOL_MODE);
    const run = await simRun(dir, { seed: 3 });
    const summary = await run.start(job);

    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, ROWS);
    expect(await count(run.db, "SELECT count(*) FROM dispositions WHERE disposition = 'promoted'")).toBe(120);

    const tool = answerTool(job)!;
    const batches = run.sim.world.list({ limit: '100' }).data;
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      for (const line of run.sim.world.resultLinesOf(batch.id)) {
        const result = JSON.parse(line).result;
        if (result.type !== 'succeeded') continue;
        expect(result.message.stop_reason).toBe('tool_use');
        expect(result.message.content[0]).toMatchObject({ type: 'tool_use', name: tool.tools[0].name });
      }
    }
  });

  it('prices the tool in the preflight exactly as the world bills it, on every row', async () => {
    const text = jobFolder(ROWS);
    const textRun = await simRun(text.dir, { seed: 3 });
    const textSummary = await textRun.start(text.job);
    const tool = jobFolder(ROWS, TOOL_MODE);
    const toolRun = await simRun(tool.dir, { seed: 3 });
    const toolSummary = await toolRun.start(tool.job);

    const rows = toolSummary.breakdown!.rows;
    expect(toolSummary.breakdown!.inputTokens - textSummary.breakdown!.inputTokens).toBe(
      rows * answerToolTokens(answerTool(tool.job)),
    );
    // The same seed gives the same answers in both modes, so the same rows are billed; each one
    // is billed exactly the tool's tokens more, the figure the preflight added to its estimate.
    const bills = (r: typeof toolRun) => r.sim.world.groundTruth().billing;
    const total = (r: typeof toolRun, field: 'inputTokens' | 'succeededRows') =>
      bills(r).reduce((n, b) => n + b[field], 0);
    const succeeded = total(toolRun, 'succeededRows');
    expect(succeeded).toBe(total(textRun, 'succeededRows'));
    expect(total(toolRun, 'inputTokens') - total(textRun, 'inputTokens')).toBe(
      succeeded * answerToolTokens(answerTool(tool.job)),
    );
  });

  it('quarantines drifted tool calls with their reasons and promotes nothing invalid', async () => {
    const { dir, job } = jobFolder(ROWS, {
      ...TOOL_MODE,
      models: { primary: 'claude-haiku-4-5', escalation: null },
    });
    const drift = schemaDrift(schemaDriftParams.parse({ rate: 0.3 }));
    const run = await simRun(dir, { seed: 4, faults: [drift] });
    const summary = await run.start(job);

    await expectInvariants(run, summary.runId, job, ROWS);
    const evidence = run.sim.world.groundTruth().evidence.filter((e) => e.fault === 'schema_drift');
    expect(evidence.length).toBeGreaterThan(10);
    const expected: Record<string, string> = {
      'drifted:malformed': 'unparseable',
      'drifted:fenced': 'unparseable',
      'drifted:wrong_enum': 'schema',
      'drifted:out_of_range': 'range',
      'drifted:missing_field': 'schema',
      'drifted:cut': 'truncated',
    };
    const outcomes = await run.db.all<{ custom_id: string; kind: string; reason: string; detail: string }>(
      'SELECT custom_id, kind, reason, detail FROM outcomes WHERE run_id = ?',
      [summary.runId],
    );
    const byId = new Map(outcomes.map((o) => [o.custom_id, o]));
    for (const e of evidence) {
      const outcome = byId.get(e.id)!;
      expect(outcome, e.id).toMatchObject({ kind: 'invalid', reason: expected[e.kind] });
      expect(outcome.detail.length).toBeGreaterThan(0);
    }
    expect(new Set(evidence.map((e) => e.kind)).size).toBe(6);
  });
});
