/**
 * A batch job, as the pipeline runs it: the job file (YAML) after validation, with every path
 * made absolute and every default filled in. `loadJob` (load-job.ts) builds it.
 */
export interface Job {
  /** The job's name: the `name` key, else the job file's base name without extension. */
  name: string;
  /** Absolute path of the job file. */
  path: string;
  source: {
    /** Absolute path of the source file (CSV, JSONL or Parquet), read through DuckDB. */
    path: string;
    format: 'csv' | 'jsonl' | 'parquet';
  };
  /** The source's key column: unique, non-null; custom_ids are derived from it. */
  key: string;
  /** The prompt, with `{{column}}` placeholders filled from each row. */
  template: string;
  /** JSON Schema (draft 2020-12 or 07) of the model's expected JSON output. */
  schema: Record<string, unknown>;
  models: {
    primary: string;
    /** Model for rows the primary failed to answer validly; null turns escalation off. */
    escalation: string | null;
  };
  /** `max_tokens` set on every request (the cost cap per row). */
  maxTokens: number;
  /** Worst-case spend above which the run refuses to launch, USD. */
  costCeilingUsd: number;
  canary: {
    /** false turns the canary control off (drills use it to show the control matters). */
    enabled: boolean;
    /** Share of source rows in the canary slice, 0..1 (default 0.02). */
    fraction: number;
    /** Least number of source rows in the slice (default 20). */
    minRows: number;
  };
  golden: {
    /** Absolute path of a JSONL file of rows with known answers, or null. Each line holds the
     *  source columns (key included) and `expected`: an object of output fields and their values. */
    path: string | null;
    /** Recorded golden score to compare against, 0..1; null: the last promoted run's score. */
    baseline: number | null;
    /** Least acceptable golden score, 0..1, whatever the baseline (default 0.8). */
    minScore: number;
  };
  thresholds: {
    /** Least share of valid outputs in the canary and the run, 0..1 (default 0.9). */
    validityMin: number;
    /** Golden score drop below the baseline that alarms, in points of 100 (default 3). */
    goldenDropPoints: number;
    /** Largest share of errored rows in the canary, 0..1 (default 0.05). */
    errorRateMax: number;
    /** Largest share of one value of `distributionField` in the canary, 0..1 (default 0.9). */
    labelShareMax: number;
    /**
     * Hold promotion when the run's validity ends below `validityMin` (default false: alarm, exit
     * 1, promote the valid rows). A run with no valid row at all is held either way. Optional
     * because a run recorded before the key existed is resumed with the job it started with.
     */
    holdBelowValidityMin?: boolean;
    /**
     * Trend alarms over the job's last `runs` runs (this one included): a leading metric moving
     * the wrong way by more than its total (`…Drop`, `…Rise`, shares) or at a least-squares slope
     * past its rate a run (`…Slope`). Optional: a run recorded before the key existed has none.
     */
    trend?: {
      runs: number;
      validityDrop: number;
      validitySlope: number;
      escalationRise: number;
      escalationSlope: number;
      goldenDrop: number;
      goldenSlope: number;
    };
  };
  /**
   * Where alarms page a person (optional: a run recorded before the key existed has none): a
   * webhook that gets a JSON POST for each alarm of a kind in `page`; other alarms are logged.
   */
  alerts?: {
    webhook: string | null;
    page: AlertKind[];
  };
  /** Output field whose value distribution the canary checks (default 'label'), or null. */
  distributionField: string | null;
  /** Output fields that must quote the row's data verbatim (on-task check; default ['evidence']). */
  quoteFields: string[];
  /** false sends row content unfenced (drills use it to show the control matters). */
  fence: boolean;
  sink: {
    /** DuckDB table in the run's database that promoted rows are written to (default 'record'). */
    table: string;
  };
  /** Most submissions of one row, the first included (default 3); then it is dead-lettered. */
  attempts: number;
  /** Batches in flight at once in the main run (default 4). */
  maxInFlight: number;
  /**
   * Most requests in one batch (default and most 100,000, the API's limit): smaller batches end
   * sooner, and with `maxInFlight` keep a small tier's processing queue from filling.
   */
  maxBatchRequests: number;
  /** Wait between polls of a batch, seconds (default 60). */
  pollIntervalSeconds: number;
  /**
   * How long an outage of the API (no connection, 5xx, 429 on reads) is ridden out with backoff
   * before the run stops for a `resume`, minutes (default 60).
   */
  outageWaitMinutes: number;
  /**
   * How the model's answer comes back: `text`, the reply's text is the JSON answer; `tool`, every
   * request forces a call of tool `toolName` whose input_schema is `schema`, and the answer is the
   * call's input. Optional because a run recorded before the key existed is resumed as `text`.
   */
  output?: { mode: 'text' | 'tool'; toolName: string };
}

/**
 * The kinds of alarm a job's `alerts.page` can name. Leading signals page by default; lagging
 * ones (coverage, hard errors) are only logged unless a job asks.
 */
export const ALERT_KINDS = [
  'halt', // the canary halted the run, or a person did
  'drift', // the golden score fell below its baseline or floor (promotion held)
  'trend_alarm', // a leading metric drifting across runs
  'validity', // validity under thresholds.validity_min
  'ceiling_refused', // the preflight refused to launch, or the spend guard stopped a round
  'coverage', // rows left without a disposition, missing ids (lagging)
  'errors', // dead letters, an unreachable API (lagging)
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** What pages when a job names a webhook but not `page`: the leading signals and refusals. */
export const PAGING_DEFAULT: readonly AlertKind[] = [
  'halt',
  'drift',
  'trend_alarm',
  'validity',
  'ceiling_refused',
];
