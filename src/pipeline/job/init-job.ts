import { lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { Job } from './job.js';
import { type ColumnChoice, pickColumns } from './pick-columns.js';
import { profileSource, type SourceProfile } from './source-profile.js';
import { type StarterCost, starterCost } from './starter-cost.js';
import {
  GOLDEN_FILE,
  JOB_FILE,
  SCHEMA_FILE,
  STARTER_MAX_TOKENS,
  STARTER_MODELS,
  starterJobYaml,
  starterSchema,
  starterTemplate,
} from './starter-files.js';

export interface InitOptions {
  /** The source file (CSV, JSONL or Parquet), from the current folder. */
  source: string;
  /** The folder to write into (default: the source's folder); made if missing. */
  out?: string;
  /** The job's name (default: the source's base name). */
  name?: string;
  key?: string;
  text?: string[];
}

export interface InitResult {
  /** The three files written, absolute, the job file first. */
  files: string[];
  name: string;
  profile: SourceProfile;
  columns: ColumnChoice;
  cost: StarterCost;
}

/**
 * `batchguard init`: a job file, starter output schema and empty golden file for a source. Every
 * check comes first (the source read and profiled, the columns picked, none of the three files
 * already there), so a refusal writes nothing; each file is then created exclusively, and a
 * failure part way removes the ones already made.
 */
export async function initJob(options: InitOptions): Promise<InitResult> {
  const source = sourceOf(options.source);
  const folder = resolve(options.out ?? dirname(source.path));
  const files = [JOB_FILE, SCHEMA_FILE, GOLDEN_FILE].map((file) => join(folder, file));
  checkTargets(folder, files);
  const name = nameOf(options.name ?? (basename(source.path, extname(source.path)) || 'job'));
  const profile = await profileSource(source);
  const columns = pickColumns(profile, { key: options.key, text: options.text }, options.source);
  const chars = columns.text.reduce((sum, c) => sum + profile.columns.find((p) => p.name === c)!.chars, 0);
  const cost = starterCost({
    rows: profile.rows,
    chars,
    template: starterTemplate(columns.text),
    maxTokens: STARTER_MAX_TOKENS,
    models: [STARTER_MODELS.primary, STARTER_MODELS.escalation],
  });
  const relativeSource = relative(folder, source.path).split(sep).join('/');
  const job = starterJobYaml({ name, source: relativeSource, key: columns.key, text: columns.text }, cost);
  writeAll(folder, [
    [files[0]!, job],
    [files[1]!, `${JSON.stringify(starterSchema(name), null, 2)}\n`],
    [files[2]!, ''],
  ]);
  return { files, name, profile, columns, cost };
}

const FORMATS: Record<string, Job['source']['format']> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
};

function sourceOf(path: string): Job['source'] {
  const absolute = resolve(path);
  const stat = statSync(absolute, { throwIfNoEntry: false });
  if (!stat?.isFile())
    throw new UsageError(
      'bad_source',
      `Failed to read source ${path}: ${stat ? 'it is not a file' : `no such file (${absolute})`}.`,
      'Pass --source the path of a CSV, JSONL or Parquet file; relative paths start from the current folder.',
    );
  const format = FORMATS[extname(absolute).toLowerCase()];
  if (!format)
    throw new UsageError(
      'bad_source',
      `Failed to read source ${path}: cannot tell its format from its name.`,
      'Name it .csv, .jsonl, .ndjson or .parquet (the job file tells the format by the extension too).',
    );
  return { path: absolute, format };
}

/** Refuse to replace anything: a folder that is not one, or any of the three files already there. */
function checkTargets(folder: string, files: string[]): void {
  const stat = statSync(folder, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory())
    throw new UsageError(
      'bad_output',
      `Failed to write the job into ${folder}: it is not a folder.`,
      'Pass --out a folder (it is made if missing).',
    );
  // lstat: a link is there even when what it points to is not, and writing through it would replace that.
  const present = files.filter((file) => lstatSync(file, { throwIfNoEntry: false }) !== undefined);
  if (present.length > 0)
    throw new UsageError(
      'file_exists',
      `Failed to write the job: ${present.join(', ')} already ${present.length === 1 ? 'exists' : 'exist'}, and init never overwrites.`,
      'Move or delete those files, or pass --out another folder.',
    );
}

function nameOf(name: string): string {
  if (name.trim() === '' || /\p{Cc}/u.test(name))
    throw new UsageError(
      'bad_flag',
      `Invalid --name ${JSON.stringify(name)}: it must have a character that is not blank, and no control characters.`,
      'Pass --name reviews, for example.',
    );
  return name;
}

function writeAll(folder: string, contents: [string, string][]): void {
  const written: string[] = [];
  try {
    mkdirSync(folder, { recursive: true });
    for (const [file, text] of contents) {
      writeFileSync(file, text, { flag: 'wx' });
      written.push(file);
    }
  } catch (error) {
    for (const file of written) rmSync(file, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(
      'bad_output',
      `Failed to write the job into ${folder}: ${code === 'EEXIST' ? 'a file appeared there meanwhile' : code}.`,
      'Check that the folder is writable and holds none of job.yaml, output.schema.json, golden.jsonl.',
    );
  }
}
