import { EXPORT_FORMATS, EXPORT_ROWS } from '../pipeline/report/export-rows.js';
import { DB, DRILL_JOB, JSON_OUTPUT, type OptionSpec, RUN_ID, SAMPLE, SCENARIO, SEED } from './options.js';

/** The one argument a command takes, when it takes one: exactly one, checked by the parser. */
export interface PositionalSpec {
  /** As the usage line shows it: JOB.yaml, RUN. */
  readonly name: string;
  /** As errors name it: "give exactly one run id". */
  readonly what: string;
  readonly describe: string;
  /** The words it may be, when it is one of a fixed list. */
  readonly values?: readonly string[];
}

export interface CommandSpec {
  /** One line, for `batchguard --help`: what the command does, at most 68 characters (80 columns). */
  readonly summary: string;
  /** Errors begin "Failed to <verb>: …". */
  readonly verb: string;
  readonly positional?: PositionalSpec;
  /** For a command that takes no argument, what to say to one given anyway, before the usage. */
  readonly strayHint?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Lines `batchguard help CMD` prints after the options. */
  readonly notes?: readonly string[];
}

/**
 * Every command, its argument and its options, in the order `--help` lists them: the usage
 * lines, `--help`, the parser's checks and its suggestions all come from here. The commands
 * themselves live in `*-command.ts` and load only when run (see main.ts).
 */
export const COMMANDS = {
  gameday: {
    summary: 'Drill every scenario on a job; exit 0 only if every drill passed.',
    verb: 'start the game day',
    strayHint: 'Run one scenario with `batchguard drill FILE`.',
    options: {
      job: DRILL_JOB,
      sample: SAMPLE,
      scenarios: {
        kind: 'string',
        placeholder: 'DIR',
        describe: 'the folder of scenario files (default ./scenarios, else the shipped ones)',
      },
      seed: { ...SEED, describe: 'one seed for every drill instead of each scenario’s own' },
      json: JSON_OUTPUT,
      junit: { kind: 'string', placeholder: 'FILE', describe: 'also write the verdicts as a JUnit XML file' },
      parallel: {
        kind: 'int',
        placeholder: 'N',
        min: 1,
        max: 16,
        example: 2,
        describe: 'drills run at once (default 2); the output is the same for any N',
      },
      db: DB,
    },
  },
  drill: {
    summary: 'Drill one scenario: inject its fault, check its control caught it.',
    verb: 'drill',
    positional: { name: 'FILE', what: 'scenario file', describe: 'the scenario (YAML) to drill' },
    options: {
      job: DRILL_JOB,
      sample: SAMPLE,
      seed: { ...SEED, describe: 'the drill’s seed instead of the scenario’s own' },
      json: JSON_OUTPUT,
      db: DB,
    },
  },
  run: {
    summary: 'Run a job through the guarded pipeline, simulated (default) or live.',
    verb: 'run',
    positional: { name: 'JOB.yaml', what: 'job file', describe: 'the job to run' },
    options: {
      seed: { ...SEED, describe: 'root seed of the simulated API (default: the scenario’s seed, else 1)' },
      scenario: SCENARIO,
      live: { kind: 'boolean', describe: 'call the real Message Batches API (ANTHROPIC_API_KEY); no seed' },
      yes: { kind: 'boolean', describe: 'with --live: launch without asking to confirm the spend' },
      db: DB,
    },
  },
  resume: {
    summary: 'Continue a live run after a crash, submitting no batch twice.',
    verb: 'resume',
    positional: RUN_ID,
    options: { db: DB },
  },
  halt: {
    summary: 'Stop a run for good; cancel its live batches (runbook, step 1).',
    verb: 'halt',
    positional: RUN_ID,
    options: { db: DB },
  },
  assess: {
    summary: 'List the rows a run’s promote touched, to reverse (runbook, step 2).',
    verb: 'assess',
    positional: RUN_ID,
    options: {
      batch: {
        kind: 'string',
        placeholder: 'ID',
        multiple: true,
        describe: 'only the rows answered in this batch of the run (repeatable)',
      },
      out: {
        kind: 'string',
        placeholder: 'FILE',
        describe: 'write the ids to reverse, one a line, for rollback --ids',
      },
      db: DB,
    },
  },
  rollback: {
    summary: 'Undo a run’s promote, whole or for the ids in a file.',
    verb: 'roll back',
    positional: RUN_ID,
    options: {
      ids: {
        kind: 'string',
        placeholder: 'FILE',
        describe: 'only these rows: custom_ids or keys, one a line',
      },
      db: DB,
    },
  },
  report: {
    summary: 'Report runs (table, md, json, html dashboard), run SQL, or --check.',
    verb: 'report',
    options: {
      db: DB,
      run: { kind: 'string', placeholder: 'RUN', describe: 'only this run (default: every run)' },
      format: {
        kind: 'enum',
        placeholder: 'FORMAT',
        values: ['table', 'md', 'json', 'html', 'csv'],
        example: 'json',
        describe: 'how to print: table, md, json or html; with --sql: table, md, json or csv (default table)',
      },
      out: { kind: 'string', placeholder: 'FILE', describe: 'write the report to a file instead of stdout' },
      sql: {
        kind: 'string',
        placeholder: 'FILE',
        describe: 'run this SQL file (reports/*.sql, or one’s own) read-only',
      },
      check: {
        kind: 'boolean',
        describe: 'exit 1 when the latest run of any job has a leading-signal alarm',
      },
    },
  },
  export: {
    summary: 'Write a run’s rows of one disposition to CSV, JSONL or Parquet.',
    verb: 'export',
    positional: RUN_ID,
    options: {
      rows: {
        kind: 'enum',
        placeholder: 'ROWS',
        values: EXPORT_ROWS,
        required: true,
        example: 'promoted',
        describe: 'which rows: one final disposition, or all',
      },
      format: {
        kind: 'enum',
        placeholder: 'FORMAT',
        values: EXPORT_FORMATS,
        required: true,
        example: 'csv',
        describe: 'the file format',
      },
      out: {
        kind: 'string',
        placeholder: 'FILE',
        required: true,
        describe: 'the file to write (whole or not at all)',
      },
      db: DB,
    },
    notes: ['columns: key, disposition, reason, custom_id, output, source_row'],
  },
  dataset: {
    summary: 'Generate a seeded CSV of product reviews, and golden rows.',
    verb: 'generate',
    positional: {
      name: 'DATASET',
      what: 'dataset',
      describe: 'the dataset to generate',
      values: ['reviews'],
    },
    options: {
      rows: {
        kind: 'int',
        placeholder: 'N',
        min: 1,
        max: 10_000_000,
        default: 3000,
        describe: 'rows to generate',
      },
      seed: { ...SEED, default: 1, describe: 'the seed the rows are drawn from' },
      out: { kind: 'string', placeholder: 'FILE', describe: 'the CSV to write (default reviews.csv)' },
      golden: {
        kind: 'string',
        placeholder: 'FILE',
        describe: 'also write golden rows (JSONL) to this file',
      },
      'golden-rows': {
        kind: 'int',
        placeholder: 'N',
        min: 1,
        max: 9_999,
        default: 60,
        describe: 'golden rows to write',
      },
      'injection-rate': {
        kind: 'number',
        placeholder: 'R',
        min: 0,
        max: 1,
        default: 0,
        example: 0.05,
        describe: 'share of reviews carrying a planted instruction, 0 to 1',
      },
    },
  },
  init: {
    summary: 'Start a job from a source file: job, starter schema, golden file.',
    verb: 'start init',
    options: {
      source: {
        kind: 'string',
        placeholder: 'FILE',
        required: true,
        describe: 'the source rows: CSV, JSONL or Parquet',
      },
      out: {
        kind: 'string',
        placeholder: 'DIR',
        describe: 'the folder to write into (default: the source’s folder)',
      },
      name: {
        kind: 'string',
        placeholder: 'NAME',
        describe: 'the job’s name (default: the source’s base name)',
      },
      key: {
        kind: 'string',
        placeholder: 'COLUMN',
        describe: 'the key column (default: the first unique, non-empty one)',
      },
      text: {
        kind: 'string',
        placeholder: 'COLUMN',
        multiple: true,
        describe: 'a column the template fills in (repeatable; default: the longest text)',
      },
    },
  },
  soak: {
    summary: 'Many seeded runs with random faults, every invariant checked.',
    verb: 'start the soak',
    strayHint: 'Name a job with --job JOB.yaml.',
    options: {
      job: { ...DRILL_JOB, describe: 'the job to soak instead of the shipped example' },
      runs: {
        kind: 'int',
        placeholder: 'N',
        min: 1,
        max: 1_000_000,
        default: 100,
        describe: 'how many runs',
      },
      workers: {
        kind: 'int',
        placeholder: 'W',
        min: 0,
        max: 64,
        example: 4,
        describe: 'worker threads; 0 runs in this process (default: one a CPU)',
      },
      // Run seeds S + i stay exact integers however long the soak.
      seed: { ...SEED, max: 2 ** 48, describe: 'run i has seed S + i (default: from the clock)' },
      json: JSON_OUTPUT,
      db: { ...DB, describe: 'the soak database (default soak.duckdb)' },
    },
  },
  serve: {
    summary: 'Serve the simulated Message Batches API over HTTP until Ctrl-C.',
    verb: 'serve',
    options: {
      port: {
        kind: 'int',
        placeholder: 'N',
        min: 0,
        max: 65_535,
        default: 4010,
        describe: 'port to listen on; 0 for any free one',
      },
      host: { kind: 'string', placeholder: 'H', describe: 'address to listen on (default 127.0.0.1)' },
      seed: { ...SEED, describe: 'root seed of the simulated API (default: the scenario’s seed, else 1)' },
      'time-scale': {
        kind: 'number',
        placeholder: 'N',
        min: 0,
        above: true,
        max: 1_000_000,
        default: 60,
        describe: 'virtual seconds per real second',
      },
      start: {
        kind: 'string',
        placeholder: 'TIME',
        describe: 'the virtual clock’s start, RFC 3339 (default 2026-01-01)',
      },
      job: { kind: 'string', placeholder: 'FILE', describe: 'teach the simulated model this job’s task' },
      'api-key': { kind: 'string', placeholder: 'KEY', describe: 'accept only this key (default: any key)' },
      'queue-limit': {
        kind: 'int',
        placeholder: 'N',
        min: 1,
        max: 10_000_000,
        describe: 'most requests queued at once (default: no limit)',
      },
      scenario: SCENARIO,
    },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
