import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Env } from '../pipeline/env.js';
import { generateGolden, generateReviews } from '../sim/datasets/reviews-dataset.js';
import { SourceFile } from '../sim/datasets/source-file.js';
import { writeDataset } from '../sim/datasets/write-dataset.js';
import { backgroundHttpFaults } from '../sim/faults/background-http.js';
import { FAULT_FAMILIES } from '../sim/faults/fault-catalog.js';
import { type DrillRow, type DrillSetup, rowKey } from '../sim/faults/world-fault.js';
import { type InProcessWorld, inProcessWorld } from '../sim/sim-world.js';
import { type DrillBase, exampleBase } from './drill-base.js';
import { drillTargets } from './drill-targets.js';
import { jobTask } from './job-task.js';
import type { Scenario } from './scenario.js';

const SCHEMA_FILE = 'output.schema.json';
const GOLDEN_FILE = 'golden.jsonl';

/** A drill's world: the simulated API with the scenario's faults, and the job's files in `dir`. */
export interface DrillWorld {
  sim: InProcessWorld;
  setup: DrillSetup;
  source: SourceFile;
  /** The keys of the drill's source rows. */
  sourceKeys: string[];
  /** Write the job (as `setup.job` stands now) to `dir/<file>` and return its path. */
  writeJob(file: string): string;
  /** The environment the pipeline runs in, in this world: its clock, its API, a key it accepts. */
  env: Env;
}

export interface DrillWorldOptions {
  /** The job the drill runs (default: the shipped example). */
  base?: DrillBase;
  /** Its rows (default: generated from the seed; a team's job passes its sample). */
  rows?: DrillRow[];
}

/**
 * Build a drill's world from a scenario and a seed: the job's rows (generated, or the sample of a
 * team's source it is given), the scenario's faults and HTTP faults in a simulated world that
 * knows the job's task, and a scratch copy of the job's source, golden set and schema in `dir`.
 * Faults that change the job or the rows act when `sim.world.prepare(setup)` is called, so a
 * runbook drill can run the clean job first.
 */
export function buildDrillWorld(
  scenario: Scenario,
  seed: number,
  dir: string,
  options: DrillWorldOptions = {},
): DrillWorld {
  const base = options.base ?? exampleBase();
  const rows = options.rows ?? [...generateReviews(seed, scenario.dataset.rows)];
  const job = drillJob(scenario, base, rows.length);
  const golden = job.golden === undefined ? undefined : join(dir, GOLDEN_FILE);
  if (golden !== undefined) {
    if (base.generated) writeDataset(golden, generateGolden(seed, scenario.dataset.goldenRows), 'jsonl');
    else copyFileSync(base.job.golden.path!, golden);
  }
  writeFileSync(join(dir, SCHEMA_FILE), `${JSON.stringify(base.job.schema, null, 2)}\n`);
  const clean = { ...base.job, key: String(job.key), template: String(job.template) };
  const targets = drillTargets(clean, base.columns, rows);
  const source = new SourceFile(join(dir, sourceFile(base)), rows, targets, base.format);
  const faults = scenario.faults.map(({ name, params }) => FAULT_FAMILIES[name].build(params));
  const sim = inProcessWorld({
    seed,
    faults,
    source,
    httpFaults: backgroundHttpFaults(scenario.http.rate, scenario.http.rates),
    // A clean first run (a runbook's, a drift drill's baseline) is answered without the faults.
    armAtPrepare: scenario.cleanRunFirst ?? scenario.kind === 'runbook',
    // What the model knows of a team's job: its schema and golden answers. The example job is
    // answered by the sentiment protocol (rules 1–8), as it always has been.
    task: base.generated
      ? undefined
      : jobTask({ ...clean, golden: { ...base.job.golden, path: golden ?? null } }),
  });
  return {
    sim,
    env: simEnv(sim),
    setup: { job, rows, targets },
    source,
    sourceKeys: rows.map((r) => rowKey(r, targets)),
    writeJob(file) {
      source.write();
      const path = join(dir, file);
      writeFileSync(path, YAML.stringify(job));
      return path;
    },
  };
}

/** The environment the pipeline runs in, in a simulated world: its clock, its API, a key it accepts. */
export function simEnv(sim: Pick<InProcessWorld, 'clock' | 'fetch' | 'baseURL'>): Env {
  return { clock: sim.clock, fetch: sim.fetch, baseURL: sim.baseURL, apiKey: 'sim-key', log: () => {} };
}

/** The drill's scratch copy of the source: CSV stays CSV; JSONL and Parquet become JSONL. */
function sourceFile(base: DrillBase): string {
  return base.generated ? 'reviews.csv' : `source.${base.format}`;
}

/**
 * The job file a drill writes (before its faults act): the scenario's `job:` keys laid over the
 * base job, reading the drill's scratch source, schema and golden set. The cost ceiling is the
 * job's own, scaled to the drill's rows (the drill runs `rows` of the source's rows, and the
 * ceiling was set for all of them), so a ceiling keeps the headroom its team gave it; a scenario
 * may still set its own. Beside the base job these paths name files a scenario loader can check.
 */
export function drillJob(
  scenario: Pick<Scenario, 'name' | 'job' | 'dataset'>,
  base: DrillBase = exampleBase(),
  rows = scenario.dataset.rows,
): Record<string, unknown> {
  const goldenRows = base.generated ? scenario.dataset.goldenRows : base.goldenRows;
  const ceiling = scaledCeiling(base, rows + goldenRows);
  const job = merge(merge(base.raw, ceiling === undefined ? {} : { cost_ceiling_usd: ceiling }), {
    ...scenario.job,
    name: scenario.name,
    source: { path: sourceFile(base), format: base.format },
    schema: SCHEMA_FILE,
  });
  if (scenario.dataset.goldenRows === 0 || scenario.job.golden === null || goldenRows === 0)
    delete job.golden;
  else job.golden = merge(asObject(job.golden), { path: GOLDEN_FILE });
  return job;
}

/** The base job's ceiling times the drill's share of the rows it was set for (to the micro-dollar, up). */
function scaledCeiling(base: DrillBase, drillRows: number): number | undefined {
  const ceiling = base.raw.cost_ceiling_usd;
  const setFor = base.sourceRows + base.goldenRows;
  if (typeof ceiling !== 'number' || setFor <= 0) return undefined;
  return Math.ceil((ceiling * drillRows * 1e6) / setFor) / 1e6;
}

/** `over` laid on `base`: mappings merge key by key, anything else replaces, null removes. */
export function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(out[key])) out[key] = merge(out[key], value);
    else out[key] = value;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}
