import { describe, expect, it } from 'vitest';
import { cliInProcess } from './support/cli-in-process.js';
import { jobFolder, reviews, simRun } from './support/pipeline-harness.js';

/*
 * Invariant 7 across databases: the same seed is the same run, whatever the database already
 * holds. The run's tag (its custom_ids, its fence and so the answers) follows from the job and
 * the seed alone; only the run id takes a suffix, to stay unique in the database.
 */

describe('the same seed in the same database', () => {
  it('is the same run again: the same ids, prompts and answers, under a run id with a suffix', async () => {
    // A recorded golden baseline: with none, the second run's drift check would compare with the
    // first run's score, the one thing a database's history is meant to change.
    const { dir, job } = jobFolder(reviews(40), { golden: { path: 'golden.jsonl', baseline: 0.75 } });
    const first = await simRun(dir, { seed: 3 });
    const a = await first.start(job);
    first.sim.world.dispose();
    const second = await simRun(dir, { seed: 3 }); // the same database file
    const b = await second.start(job);

    expect(b.runId).toBe(`${a.runId}-2`);
    const answers = (runId: string) =>
      second.db.all<{ custom_id: string; output_json: string }>(
        'SELECT custom_id, output_json FROM dispositions WHERE run_id = ? ORDER BY row_key',
        [runId],
      );
    expect((await answers(a.runId)).length).toBe(40);
    expect(await answers(b.runId)).toEqual(await answers(a.runId));
    const log = (entries: typeof first.entries) => entries.map((e) => [e.step, e.kind, e.detail, e.at]);
    expect(log(second.entries)).toEqual(log(first.entries));
    second.sim.world.dispose();
  });

  it('prints a reproduce line that names the database it ran in', async () => {
    const { dir } = jobFolder(reviews(30), { cost_ceiling_usd: 0.000001 });
    const result = await cliInProcess(['run', 'job.yaml', '--seed', '9', '--db', 'other.duckdb'], dir);
    expect(result.status).toBe(1); // refused at launch: a run that did not promote says how to replay it
    expect(result.stdout).toContain('reproduce: npx batchguard run job.yaml --seed 9 --db other.duckdb');
  });
});
