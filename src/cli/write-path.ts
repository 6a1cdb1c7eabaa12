import {
  closeSync,
  existsSync,
  openSync,
  readSync,
  realpathSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** What else the command uses, that its output must not replace. */
export interface OutputCheck {
  /** The run database the command uses (its --db or the default): refused even before it exists. */
  db?: string;
}

/**
 * Why a file could not be written at `path`, or null: its folder missing or not writable, or the
 * path a folder or anything else that is not a regular file. Output files and the run database
 * are both checked with it.
 */
export function writePathProblem(path: string): string | null {
  const file = resolve(path);
  const folder = dirname(file);
  if (!existsSync(folder)) return `its folder ${folder} does not exist`;
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return 'it is a folder';
  if (stat && !stat.isFile()) return `it is ${kindOf(stat)}, not a regular file`;
  const real = dirname(outputTarget(file));
  const denied = probeWritable(real);
  return denied === null ? null : `its folder ${real} is not writable (${denied})`;
}

/** Why `path` is a database no output may replace, or null. */
export function databaseProblem(path: string, check: OutputCheck = {}): string | null {
  const target = outputTarget(path);
  const db = check.db === undefined ? null : outputTarget(check.db);
  if (target === db) return 'it is the run database this command uses';
  if (db !== null && target === `${db}.wal`)
    return 'it is the run database this command uses (its write-ahead log)';
  const magic = readMagic(target);
  if (magic === 'DUCK') return 'it is a DuckDB database';
  if (magic instanceof Error) return `it cannot be read to tell it is not a database (${magic.message})`;
  return null;
}

/**
 * The file a write to `path` really replaces: the file a symbolic link points to (so the link
 * stays a link), in its folder's real path (so two spellings of one file compare equal).
 */
export function outputTarget(path: string): string {
  const file = resolve(path);
  try {
    return realpathSync(file);
  } catch {
    try {
      return join(realpathSync(dirname(file)), basename(file));
    } catch {
      return file;
    }
  }
}

/** Bytes 8 to 12 of a file ("DUCK" in every DuckDB database), '' if there is none, an Error if unreadable. */
function readMagic(file: string): string | Error {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? '' : new Error(code ?? String(error));
  }
  try {
    const bytes = Buffer.alloc(4);
    return bytes.subarray(0, readSync(fd, bytes, 0, 4, 8)).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'something else';
}

let probes = 0;

/**
 * Whether a file can really be made in `folder`: access(W_OK) says yes to root everywhere, even
 * under /proc. A probe file with a name no one else uses is created exclusively (never replacing
 * anything) and removed. Returns null, or the error code that refused it.
 */
function probeWritable(folder: string): string | null {
  for (let tries = 0; tries < 100; tries++) {
    const probe = join(folder, `.batchguard-probe-${process.pid}-${probes++}`);
    try {
      closeSync(openSync(probe, 'wx'));
      rmSync(probe, { force: true });
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      if (code !== 'EEXIST') return code;
    }
  }
  return 'EEXIST';
}
