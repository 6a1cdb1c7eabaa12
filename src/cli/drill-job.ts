import { type DrillBase, exampleBase, jobBase } from '../drills/drill-base.js';

/**
 * The job `drill` and `gameday` run their drills on: `--job FILE` (read and checked before any
 * drill: a bad job exits 2 with nothing run), the shipped example otherwise; `--sample N` (its
 * bounds checked by the command table) fixes how many rows each drill runs. Undefined when
 * neither flag is given: each scenario then drills the job it names, or the example.
 */
export async function drillJobFlags(values: {
  job?: string;
  sample?: number;
}): Promise<DrillBase | undefined> {
  if (values.job !== undefined) return jobBase(values.job, values.sample);
  return values.sample === undefined ? undefined : { ...exampleBase(), sample: values.sample };
}
