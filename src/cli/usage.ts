/**
 * Each command's usage line, in one place: `--help` prints them without loading any command,
 * and each command quotes its own in its errors.
 */
export const USAGE = {
  run: 'batchguard run JOB.yaml [--seed N] [--scenario FILE] [--live [--yes]] [--db FILE]',
  resume: 'batchguard resume RUN [--db FILE]',
  gameday:
    'batchguard gameday [--job JOB.yaml] [--sample N] [--scenarios DIR] [--seed N] [--json] [--junit FILE] [--db FILE]',
  drill: 'batchguard drill FILE [--job JOB.yaml] [--sample N] [--seed N] [--json] [--db FILE]',
  halt: 'batchguard halt RUN [--db FILE]',
  assess: 'batchguard assess RUN [--batch ID]... [--out FILE] [--db FILE]',
  rollback: 'batchguard rollback RUN [--ids FILE] [--db FILE]',
  report:
    'batchguard report [--db FILE] [--run RUN] [--format table|md|json|html] [--out FILE] | report --sql FILE [--format table|md|json|csv] | report --check',
  export:
    'batchguard export RUN --rows promoted|quarantined|dead_lettered|held|all --format csv|jsonl|parquet --out FILE [--db FILE]  (columns: key, disposition, reason, custom_id, output, source_row)',
  dataset:
    'batchguard dataset reviews [--rows N] [--seed N] [--out FILE] [--golden FILE] [--golden-rows N] [--injection-rate R]',
  init: 'batchguard init --source FILE [--out DIR] [--name NAME] [--key COLUMN] [--text COLUMN]...',
  soak: 'batchguard soak [--job JOB.yaml] [--runs N] [--workers W] [--seed S] [--json] [--db FILE]',
  serve:
    'batchguard serve [--port N] [--host H] [--seed N] [--time-scale N] [--start TIME] [--job FILE] [--api-key KEY] [--queue-limit N] [--scenario FILE]',
} as const;
