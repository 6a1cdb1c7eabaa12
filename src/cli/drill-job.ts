import { type DrillBase, exampleBase, jobBase } from '../drills/drill-base.js';
import { intFlag } from './args.js';

/** Most rows `--sample` may ask a drill to run: the scenario bound on generated rows. */
const SAMPLE_MAX = 200_000;

/**
 * The job `drill` and `gameday` run their drills on: `--job FILE` (read and checked before any
 * drill: a bad job exits 2 with nothing run), the shipped example otherwise; `--sample N` fixes
 * how many rows each drill runs. Undefined when neither flag is given: each scenario then drills
 * the job it names, or the example.
 */
export async function drillJobFlags(values: {
  job?: string;
  sample?: string;
}): Promise<DrillBase | undefined> {
  const sample =
    values.sample === undefined ? undefined : intFlag('sample', values.sample, 1000, 20, SAMPLE_MAX);
  if (values.job !== undefined) return jobBase(values.job, sample);
  return sample === undefined ? undefined : { ...exampleBase(), sample };
}
