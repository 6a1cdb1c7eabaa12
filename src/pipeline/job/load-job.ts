import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { parseYamlFile } from '../../core/parse-yaml.js';
import type { Job } from './job.js';
import { jobFileSchema } from './job-schema.js';

const FIX_HINT = 'Fix the job file and run again.';

/** Read and validate a YAML job file: every problem in it is reported at once, one line each. */
export async function loadJob(path: string): Promise<Job> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(
        'job_not_found',
        `Failed to read job ${path}: no such file (${resolve(path)}).`,
        'Check the path of the job file; relative paths start from the current folder.',
      );
    }
    throw new UsageError('bad_job', `Failed to read job ${path}: ${code ?? String(error)}.`, FIX_HINT);
  }
  return parseJob(text, path);
}

/**
 * `loadJob` for a job file's text already in hand (tests write YAML inline). `path` names the job
 * in errors, gives the default name, and is where relative paths in the file start from.
 */
export function parseJob(text: string, path: string): Job {
  return parseYamlFile(text, path, jobFileSchema(resolve(path)), 'job');
}
