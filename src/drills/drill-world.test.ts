import { describe, expect, it } from 'vitest';
import { exampleBase } from './drill-base.js';
import { drillJob } from './drill-world.js';

/*
 * The job file a drill writes: the base job's own keys, the scenario's laid over them, its
 * scratch files named, and the ceiling scaled to the rows the drill runs, so the headroom a team
 * gave its ceiling is what the preflight drill tests.
 */

const scenario = (job: Record<string, unknown> = {}, rows = 1000, goldenRows = 60) => ({
  name: 'a-drill',
  job,
  dataset: { rows, goldenRows },
});

describe('drillJob', () => {
  it("scales the base job's ceiling by the drill's rows over the rows it was set for", () => {
    // The example: $10 for 3,000 rows and 60 golden rows; a drill of 1,000 and 60.
    const base = exampleBase();
    expect(base.sourceRows).toBe(3000);
    expect(base.goldenRows).toBe(60);
    expect(drillJob(scenario(), base).cost_ceiling_usd).toBe(Math.ceil((10 * 1060 * 1e6) / 3060) / 1e6);
    expect(drillJob(scenario({}, 3000), base).cost_ceiling_usd).toBe(10);
  });

  it("keeps a scenario's own ceiling, and its other keys over the base job's", () => {
    const job = drillJob(scenario({ cost_ceiling_usd: 2.5, canary: { enabled: false } }));
    expect(job.cost_ceiling_usd).toBe(2.5);
    expect(job.canary).toEqual({ enabled: false, fraction: 0.02, min_rows: 20 });
    expect(job.name).toBe('a-drill');
  });

  it('reads the scratch copies, and drops the golden set when the scenario has none', () => {
    const job = drillJob(scenario());
    expect(job.source).toEqual({ path: 'reviews.csv', format: 'csv' });
    expect(job.schema).toBe('output.schema.json');
    expect(job.golden).toMatchObject({ path: 'golden.jsonl', min_score: 0.8 });
    expect(drillJob(scenario({}, 1000, 0)).golden).toBeUndefined();
    expect(drillJob(scenario({ golden: null })).golden).toBeUndefined();
  });
});
