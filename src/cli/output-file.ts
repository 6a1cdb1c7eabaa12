import { accessSync, constants, existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';

/**
 * Refuse, before any work, a file the command was asked to write and could not: its folder
 * missing or read-only, or the path a folder. A game day should not run every drill only to fail
 * writing its JUnit file.
 */
export function checkOutputPath(flag: string, path: string): void {
  const problem = writePathProblem(path);
  if (problem)
    throw new UsageError(
      'bad_output',
      `Failed to write ${flag} ${path}: ${problem}.`,
      `Pass ${flag} a file path in a folder that exists and can be written.`,
    );
}

/**
 * Why a file could not be written at `path`, or null: its folder missing or read-only, or the
 * path a folder. Output files and the run database are both checked with it.
 */
export function writePathProblem(path: string): string | null {
  const file = resolve(path);
  const folder = dirname(file);
  if (!existsSync(folder)) return `its folder ${folder} does not exist`;
  if (existsSync(file) && statSync(file).isDirectory()) return 'it is a folder';
  if (!writable(folder)) return `its folder ${folder} is not writable`;
  return null;
}

function writable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Write a whole text file: staged beside it and renamed, so it is never seen half-written. */
export function writeWhole(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}
