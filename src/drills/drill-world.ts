import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { generateGolden, generateReviews } from '../sim/datasets/reviews-dataset.js';
import { SourceFile } from '../sim/datasets/source-file.js';
import { writeDataset } from '../sim/datasets/write-dataset.js';
import { backgroundHttpFaults } from '../sim/faults/background-http.js';
import { FAULT_FAMILIES } from '../sim/faults/fault-catalog.js';
import type { DrillSetup } from '../sim/faults/world-fault.js';
import { type InProcessWorld, inProcessWorld } from '../sim/sim-world.js';
import type { Scenario } from './scenario.js';

/** The job every drill starts from: the shipped example, so drills exercise the job a user runs. */
const EXAMPLE = fileURLToPath(new URL('../../examples/reviews/', import.meta.url));
const SCHEMA_FILE = 'output.schema.json';

/** A drill's world: the simulated API with the scenario's faults, and the job's files in `dir`. */
export interface DrillWorld {
  sim: InProcessWorld;
  setup: DrillSetup;
  source: SourceFile;
  /** The keys of the generated source rows. */
  sourceKeys: string[];
  /** Write the job (as `setup.job` stands now) to `dir/<file>` and return its path. */
  writeJob(file: string): string;
}

/**
 * Build a drill's world from a scenario and a seed: generate the rows and golden set, build the
 * scenario's faults and HTTP faults into a simulated world, and write the source, golden set and
 * schema into `dir`. Faults that change the job or the rows act when `sim.world.prepare(setup)`
 * is called, so a runbook drill can run the clean job first.
 */
export function buildDrillWorld(scenario: Scenario, seed: number, dir: string): DrillWorld {
  const rows = [...generateReviews(seed, scenario.dataset.rows)];
  const setup: DrillSetup = { job: drillJob(scenario), rows };
  if (setup.job.golden !== undefined)
    writeDataset(join(dir, 'golden.jsonl'), generateGolden(seed, scenario.dataset.goldenRows), 'jsonl');
  copyFileSync(join(EXAMPLE, SCHEMA_FILE), join(dir, SCHEMA_FILE));
  const source = new SourceFile(join(dir, 'reviews.csv'), rows);
  const faults = scenario.faults.map(({ name, params }) => FAULT_FAMILIES[name].build(params));
  const sim = inProcessWorld({
    seed,
    faults,
    source,
    httpFaults: backgroundHttpFaults(scenario.http.rate, scenario.http.rates),
  });
  return {
    sim,
    setup,
    source,
    sourceKeys: rows.map((r) => r.row.id),
    writeJob(file) {
      source.write();
      const path = join(dir, file);
      writeFileSync(path, YAML.stringify(setup.job));
      return path;
    },
  };
}

/**
 * The job file a drill writes (before its faults act): the scenario's `job:` laid over the
 * shipped example, reading the drill's generated source, schema and golden set. Beside the
 * example's own files these paths name the same files, so a scenario loader can validate it
 * there before any drill runs.
 */
export function drillJob(scenario: Pick<Scenario, 'name' | 'job' | 'dataset'>): Record<string, unknown> {
  const base = YAML.parse(readFileSync(join(EXAMPLE, 'job.yaml'), 'utf8')) as Record<string, unknown>;
  const job = merge(base, {
    ...scenario.job,
    name: scenario.name,
    source: 'reviews.csv',
    schema: SCHEMA_FILE,
  });
  if (scenario.dataset.goldenRows === 0 || scenario.job.golden === null) delete job.golden;
  else job.golden = merge(asObject(job.golden), { path: 'golden.jsonl' });
  return job;
}

/** The example job file, where `drillJob`'s relative paths resolve to files that exist. */
export const EXAMPLE_JOB = join(EXAMPLE, 'job.yaml');

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
