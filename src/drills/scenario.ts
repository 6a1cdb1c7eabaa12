import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { describeIssue, parseYamlFile } from '../core/parse-yaml.js';
import { jobFileSchema, jobModelProblems } from '../pipeline/job/job-schema.js';
import { templateColumns } from '../pipeline/prompt/render-request.js';
import { BACKGROUND_HTTP_FAULTS } from '../sim/faults/background-http.js';
import { FAULT_FAMILIES, type FaultFamilyName } from '../sim/faults/fault-catalog.js';
import { CONTROLS, type ControlName } from './controls.js';
import { type DrillBase, exampleBase, jobBase } from './drill-base.js';
import { drillJob } from './drill-world.js';
import { HYPOTHESES, type HypothesisCheck } from './hypotheses.js';

/** A game-day scenario, as a drill runs it: a scenario file after validation, defaults filled in. */
export interface Scenario {
  /** The file's base name without extension, e.g. `silent-partial-drop`. */
  name: string;
  /** Absolute path of the scenario file. */
  path: string;
  title: string;
  /** The failure modes the scenario injects (empty for a clean baseline). */
  failureModes: FaultFamilyName[];
  /** How reports name them: `none`, one identifier, or several joined by `+`. */
  failureMode: string;
  /** `drill`: one run; `runbook`: a clean run, a bad run promoted on purpose, then the runbook. */
  kind: 'drill' | 'runbook';
  /**
   * Run the clean job first and promote it: rows for a runbook to restore, a golden baseline for
   * the drift check. Always so for a runbook.
   */
  cleanRunFirst?: boolean;
  /**
   * What the runbook reverses: the whole run (`run`), or only the rows answered in the batches the
   * fault hit (`faulted_batches`, as a provider's incident notice names them: `assess --batch`).
   */
  runbookScope?: 'run' | 'faulted_batches';
  /**
   * The job's cost ceiling set to the preflight's own worst case for the drill's rows and this
   * share more (0.2: 20 % of headroom), whatever the job's ceiling: a drill of the spend guard
   * needs a ceiling that requeues can reach. Null: the job's ceiling, scaled to the drill's rows.
   */
  ceilingMargin?: number | null;
  seed: number;
  dataset: { rows: number; goldenRows: number };
  /** Job file keys laid over the base job; mappings merge key by key. */
  job: Record<string, unknown>;
  /**
   * The job the scenario drills: `--job`'s, else the file its `job: FILE` (or `job: {file: FILE}`)
   * names; absent: the shipped example.
   */
  base?: DrillBase;
  /** Fault families and their parameters, validated by each family's own schema. */
  faults: { name: FaultFamilyName; params: unknown }[];
  http: { rate: number; rates: Partial<Record<(typeof BACKGROUND_HTTP_FAULTS)[number], number>> };
  expect: {
    controls: ControlName[];
    /** The run's final status, or the statuses it may end in, when the scenario says. */
    status: string[] | null;
    hypothesis: HypothesisCheck[];
  };
}

const share = z.number().min(0).max(1);
const RUN_STATUSES = ['promoted', 'halted', 'refused', 'held'] as const;
const DEFAULT_HYPOTHESIS = [
  'coverage',
  'nothing_invalid_promoted',
  'mapping',
  'spend_within_ceiling',
  'no_double_billing',
];

function scenarioSchema(path: string, base: DrillBase) {
  const known = Object.keys(HYPOTHESES);
  const knownName = (name: string) =>
    known.includes(name) || `unknown check "${name}": use one of ${known.join(', ')}`;
  // A check is its name, or a one-key mapping of its name to its parameter (`valid_share_min: 0.97`).
  const hypothesisItem = z.unknown().transform((item, ctx): HypothesisCheck => {
    const entries = typeof item === 'object' && item !== null ? Object.entries(item) : [];
    const [name, param] =
      typeof item === 'string' ? [item, null] : entries.length === 1 ? entries[0]! : [undefined, undefined];
    const problem =
      name === undefined
        ? 'must be a check name, or one check name mapped to its number'
        : knownName(name) !== true
          ? knownName(name)
          : paramProblem(name, param);
    if (problem !== true) ctx.addIssue({ code: 'custom', message: String(problem) });
    return { name: name ?? '', param: (param as number | null) ?? null };
  });
  const faults = z.strictObject(
    Object.fromEntries(
      Object.entries(FAULT_FAMILIES).map(([name, family]) => [name, family.params.optional()]),
    ) as Record<FaultFamilyName, z.ZodOptional<z.ZodType<unknown>>>,
  );
  return z
    .strictObject({
      title: z.string().min(1),
      failure_mode: z.union([
        z.literal('none'),
        z.enum(FAMILY_NAMES),
        z
          .array(z.enum(FAMILY_NAMES))
          .min(2, { message: 'name two or more failure modes, or just one without a list' }),
      ]),
      kind: z.enum(['drill', 'runbook']).default('drill'),
      clean_run_first: z.boolean().optional(),
      runbook: z.strictObject({ scope: z.enum(['run', 'faulted_batches']).default('run') }).optional(),
      ceiling_margin: z.number().min(0).max(10).optional(),
      seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
      dataset: z
        .strictObject({
          rows: z.int().min(20).max(200_000).default(1000),
          golden_rows: z.int().min(0).max(1000).default(60),
        })
        .prefault({}),
      // `job: FILE` names the job to drill; a mapping holds keys laid over it (`file:` names it).
      // Checked here rather than with the whole scenario, so its problems are listed with the
      // others'. With a golden set assumed: a golden override is checked even where none is made.
      job: z
        .union([z.string().min(1), z.record(z.string(), z.unknown())])
        .default({})
        .transform((job) => (typeof job === 'string' ? {} : withoutFile(job)))
        .superRefine((job, ctx) => {
          const dataset = { rows: 1000, goldenRows: 1 };
          for (const issue of drillJobIssues(
            drillJob({ name: basename(path, extname(path)), job, dataset }, base),
            base,
          ))
            ctx.addIssue(issue);
        }),
      faults: faults.default({}),
      http_faults: z
        .strictObject({
          rate: share.default(0),
          rates: z.partialRecord(z.enum(BACKGROUND_HTTP_FAULTS), share).default({}),
        })
        .prefault({}),
      expect: z.strictObject({
        control: z.union([z.enum(CONTROL_NAMES), z.array(z.enum(CONTROL_NAMES)).min(1)]),
        status: z
          .union([z.enum(RUN_STATUSES), z.array(z.enum(RUN_STATUSES)).min(1)])
          .optional()
          .transform((status) => (status === undefined ? null : [status].flat())),
        hypothesis: z
          .array(hypothesisItem)
          .default(DEFAULT_HYPOTHESIS.map((name) => ({ name, param: null }))),
      }),
    })
    .superRefine((raw, ctx) => {
      const named = Object.keys(raw.faults);
      for (const mode of modesOf(raw.failure_mode)) {
        if (!named.includes(mode))
          ctx.addIssue({
            code: 'custom',
            path: ['faults'],
            message: `must configure the ${mode} fault the scenario is about`,
          });
      }
      if (raw.runbook !== undefined && raw.kind !== 'runbook')
        ctx.addIssue({ code: 'custom', path: ['runbook'], message: 'is for `kind: runbook` only' });
      if (raw.clean_run_first === false && raw.kind === 'runbook')
        ctx.addIssue({
          code: 'custom',
          path: ['clean_run_first'],
          message: 'cannot be false in a runbook, which restores the clean run’s rows',
        });
      const controls = [raw.expect.control].flat();
      if ((raw.failure_mode === 'none') !== controls.includes('none')) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', 'control'],
          message:
            'is `none` exactly when failure_mode is none (a clean baseline expects no control to fire)',
        });
      }
    })
    .transform(
      (raw): Scenario => ({
        name: basename(path, extname(path)),
        path,
        title: raw.title,
        failureModes: modesOf(raw.failure_mode),
        failureMode: [raw.failure_mode].flat().join('+'),
        kind: raw.kind,
        cleanRunFirst: raw.clean_run_first ?? raw.kind === 'runbook',
        runbookScope: raw.runbook?.scope ?? 'run',
        ceilingMargin: raw.ceiling_margin ?? null,
        seed: raw.seed,
        dataset: { rows: raw.dataset.rows, goldenRows: raw.dataset.golden_rows },
        job: raw.job,
        ...(base.display === null ? {} : { base }),
        faults: Object.entries(raw.faults)
          .filter(([, params]) => params !== undefined)
          .map(([name, params]) => ({ name: name as FaultFamilyName, params })),
        http: { rate: raw.http_faults.rate, rates: raw.http_faults.rates },
        expect: {
          controls: [raw.expect.control].flat() as ControlName[],
          status: raw.expect.status,
          hypothesis: raw.expect.hypothesis,
        },
      }),
    );
}

/** Why `param` does not suit check `name`, or true: a number in the check's bounds, or none if it takes none. */
function paramProblem(name: string, param: unknown): string | true {
  const bounds = HYPOTHESES[name]!.param;
  if (bounds === undefined) return param === null ? true : `${name} takes no number`;
  const range = `a share from ${bounds.min} to ${bounds.max}`;
  if (param === null) return `${name} needs its number (${range}): write \`${name}: 0.9\``;
  if (typeof param !== 'number') return `${name}: its parameter must be a number`;
  // Written so that NaN, which compares false with everything, is refused too.
  return param >= bounds.min && param <= bounds.max ? true : `${name}: must be ${range}, not ${param}`;
}

/**
 * What is wrong with the job a drill would run, as issues at paths within the `job` key: the
 * job file's own schema, applied beside the base job the overrides are laid on, then what only a
 * run would find (a model's limits, a column the base job's source lacks).
 */
function drillJobIssues(drill: Record<string, unknown>, base: DrillBase): z.core.$ZodRawIssue[] {
  // The drill's scratch files do not exist yet: check it against the base job's own.
  const job: Record<string, unknown> = { ...drill, source: { ...base.job.source }, schema: base.job.schema };
  if (typeof job.golden === 'object' && job.golden !== null)
    job.golden = { ...job.golden, path: base.job.golden.path ?? resolve(dirname(base.path), 'golden.jsonl') };
  const parsed = jobFileSchema(base.path).safeParse(job, { error: describeIssue });
  if (!parsed.success)
    return parsed.error.issues.map((issue) => ({ ...issue, path: [...issue.path] }) as z.core.$ZodRawIssue);
  const issues: z.core.$ZodRawIssue[] = jobModelProblems(parsed.data).map(({ path, message }) => ({
    code: 'custom',
    path,
    message,
    input: undefined,
  }));
  const noColumn = (column: string) =>
    `the drill’s source has no column "${column}" (it has ${base.columns.join(', ')})`;
  const lacking = (columns: string[]) => columns.filter((c) => !base.columns.includes(c));
  for (const column of lacking([parsed.data.key]))
    issues.push({ code: 'custom', path: ['key'], message: noColumn(column), input: undefined });
  for (const column of lacking(templateColumns(parsed.data.template)))
    issues.push({ code: 'custom', path: ['template'], message: noColumn(column), input: undefined });
  return issues;
}

function withoutFile(job: Record<string, unknown>): Record<string, unknown> {
  const { file: _, ...rest } = job;
  return rest;
}

const CONTROL_NAMES = Object.keys(CONTROLS) as [ControlName, ...ControlName[]];
const FAMILY_NAMES = Object.keys(FAULT_FAMILIES) as [FaultFamilyName, ...FaultFamilyName[]];

function modesOf(mode: 'none' | FaultFamilyName | FaultFamilyName[]): FaultFamilyName[] {
  return mode === 'none' ? [] : [mode].flat();
}

export interface LoadScenarioOptions {
  /** The job every drill runs (`--job`), over any job the scenario names. */
  base?: DrillBase;
  /** Jobs already read, by absolute path: a folder of scenarios naming one job reads it once. */
  bases?: Map<string, Promise<DrillBase>>;
}

/**
 * Read and validate a scenario file: every problem reported at once, one line each with its
 * path. The job it drills is `options.base`, else the job file it names (`job: FILE`, relative to
 * the scenario), else the shipped example; a job it names is read and checked first.
 */
export async function loadScenario(path: string, options: LoadScenarioOptions = {}): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      'scenario_not_found',
      `Failed to read scenario ${path}: ${code === 'ENOENT' ? `no such file (${resolve(path)})` : (code ?? String(error))}.`,
      'Check the path; the shipped scenarios are in scenarios/.',
    );
  }
  const file = options.base ? undefined : namedJobFile(text, path);
  if (file === undefined) return parseScenario(text, resolve(path), options.base);
  const bases = options.bases ?? new Map<string, Promise<DrillBase>>();
  if (!bases.has(file)) bases.set(file, jobBase(file));
  return parseScenario(text, resolve(path), await bases.get(file)!);
}

/** `loadScenario` for text already in hand; `base` is the job its drills run (default: the shipped example). */
export function parseScenario(text: string, path: string, base: DrillBase = exampleBase()): Scenario {
  return parseYamlFile(text, path, scenarioSchema(path, base), 'scenario');
}

/** The job file a scenario's text names, absolute, or undefined (a parse problem is left to the full check). */
function namedJobFile(text: string, path: string): string | undefined {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch {
    return undefined;
  }
  const job = typeof raw === 'object' && raw !== null ? (raw as { job?: unknown }).job : undefined;
  const file =
    typeof job === 'string'
      ? job
      : typeof job === 'object' && job !== null
        ? (job as { file?: unknown }).file
        : undefined;
  return typeof file === 'string' && file !== '' ? resolve(dirname(resolve(path)), file) : undefined;
}
