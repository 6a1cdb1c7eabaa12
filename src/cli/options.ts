/**
 * The kinds of option a command may take, each with what `--help` says of it and the check the
 * parser makes of its value, and the options several commands share, declared once.
 */

export interface BooleanOption {
  readonly kind: 'boolean';
  readonly describe: string;
}

export interface StringOption {
  readonly kind: 'string';
  /** What `--help` and the usage line show as its value: FILE, RUN, DIR. */
  readonly placeholder: string;
  readonly describe: string;
  /** Given any number of times; the command receives every value, in order. */
  readonly multiple?: boolean;
  readonly required?: boolean;
}

/** A whole number from min to max. */
export interface IntOption {
  readonly kind: 'int';
  readonly placeholder: string;
  readonly describe: string;
  readonly min: number;
  readonly max: number;
  /** The value the command takes when the option is not given; none when the command decides. */
  readonly default?: number;
  /** The value an error's hint suggests (the default, else min). */
  readonly example?: number;
}

/** A number (fractions allowed) from min (or above it, when `above`) to max. */
export interface NumberOption {
  readonly kind: 'number';
  readonly placeholder: string;
  readonly describe: string;
  readonly min: number;
  readonly above?: boolean;
  readonly max: number;
  readonly default?: number;
  readonly example?: number;
}

/** One of a fixed list of words; a near miss gets a suggestion. */
export interface EnumOption<T extends string = string> {
  readonly kind: 'enum';
  readonly placeholder: string;
  readonly values: readonly T[];
  readonly describe: string;
  readonly required?: boolean;
  readonly example: T;
}

export type OptionSpec = BooleanOption | StringOption | IntOption | NumberOption | EnumOption;

/** The value a command receives for an option of this kind. */
type ValueOf<O> = O extends BooleanOption
  ? boolean
  : O extends IntOption | NumberOption
    ? number
    : O extends EnumOption<infer T>
      ? T
      : O extends { multiple: true }
        ? string[]
        : string;

/** Present whenever the command runs: given a default, or required. */
type Always<O> = O extends { default: number } | { required: true } ? true : false;

/** The parsed, checked values of a command's options, typed from its table entry. */
export type OptionValues<Os extends Record<string, OptionSpec>> = {
  readonly [K in keyof Os]: Always<Os[K]> extends true ? ValueOf<Os[K]> : ValueOf<Os[K]> | undefined;
};

/** `--db FILE`: the run database. */
export const DB = {
  kind: 'string',
  placeholder: 'FILE',
  describe: 'the run database (DuckDB file; default runs.duckdb)',
} as const satisfies StringOption;

/** `--seed N`: the root seed of a simulated world; every subsystem draws from a stream of it. */
export const SEED = {
  kind: 'int',
  placeholder: 'N',
  describe: 'root seed of the simulated world: the same seed replays the same run',
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  example: 1,
} as const satisfies IntOption;

/** `--json`: machine-readable output on stdout. */
export const JSON_OUTPUT = {
  kind: 'boolean',
  describe: 'print the result as JSON on stdout (human lines go to stderr)',
} as const satisfies BooleanOption;

/** `--job JOB.yaml` for commands that drill or soak a job other than the shipped example. */
export const DRILL_JOB = {
  kind: 'string',
  placeholder: 'JOB.yaml',
  describe: 'the job to drill instead of the shipped example (checked before any drill runs)',
} as const satisfies StringOption;

/** `--sample N`: how many of the job's rows each drill runs; the scenario bound on generated rows. */
export const SAMPLE = {
  kind: 'int',
  placeholder: 'N',
  describe: 'rows each drill runs (default: the scenario’s own count)',
  min: 20,
  max: 200_000,
  example: 1000,
} as const satisfies IntOption;

/** `--scenario FILE`: a scenario's faults in the simulated API. */
export const SCENARIO = {
  kind: 'string',
  placeholder: 'FILE',
  describe: 'a scenario whose faults the simulated API acts out (its seed is the default seed)',
} as const satisfies StringOption;

/** The single positional argument most commands take: the run a command acts on. */
export const RUN_ID = {
  name: 'RUN',
  what: 'run id',
  describe: 'the run id, as `batchguard report` lists it',
} as const;
