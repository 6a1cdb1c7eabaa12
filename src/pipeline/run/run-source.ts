import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import type { RunContext } from './run-context.js';
import { pinnedReader, type Sniffed, sniffSql, sourceReader } from './source-reader.js';

/** How a run reads its source: the reader, the columns it gives, and the header line they were found under. */
export interface RunSource {
  reader: string;
  columns: string[];
  /** True when `reader` is a CSV's dialect pinned (source-reader.ts), not a reader that sniffs. */
  pinned: boolean;
  header: string | null;
}

const SOURCES = new WeakMap<RunContext, Promise<RunSource>>();

/**
 * Per run context: the sha256 of the source file's bytes the plan's snapshot was read from, and
 * the file's stamp (stat) while it held them, when it held still throughout the reads.
 */
const SNAPSHOTS = new WeakMap<RunContext, { digest: string; stamp: string | null }>();

/**
 * What the file system says of a file without reading it: its device and inode, size, and
 * modification and change times in nanoseconds; null when it cannot be stat'ed. Any write to the
 * file moves its change time, which no one can set back (touch and utimes move it too).
 */
function fileStamp(path: string): string | null {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

/** The sha256 of a file's bytes, streamed; null when it cannot be read (gone, a folder…). */
export function fileDigest(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', () => resolve(null));
  });
}

/**
 * Run the plan's reads of the source (`snapshot`), and note the file's digest when it held the
 * same bytes before and after them: the snapshot is then exactly those bytes' rows. A file
 * changed while it was read gets no digest, and every stale check reads it.
 */
export async function snapshotSource<T>(ctx: RunContext, snapshot: () => Promise<T>): Promise<T> {
  const { path } = ctx.job.source;
  const stamp = fileStamp(path);
  const before = await fileDigest(path);
  const value = await snapshot();
  const after = await fileDigest(path);
  if (before !== null && before === after)
    SNAPSHOTS.set(ctx, { digest: before, stamp: stamp !== null && fileStamp(path) === stamp ? stamp : null });
  else SNAPSHOTS.delete(ctx);
  return value;
}

/**
 * Does the source file hold exactly the bytes this process's plan read? Then no row can have been
 * edited since, and a stale check has nothing to find. False after a resume in another process,
 * whose plan this was not: its checks read the source.
 *
 * A file whose stamp (fileStamp) is the one it had while the plan read it has not been written
 * since, and is taken as unchanged without reading it. Otherwise its bytes are hashed: far
 * cheaper than reading every row again, but still a read of the whole file (about 2 s for the
 * 1.1 GB of 10,000,000 rows), which each batch's gate paid before the stamp, so a run's time grew
 * with the square of its rows. `bytes: true` always hashes: reconcile's last check before anything
 * is promoted trusts the bytes alone. A file touched but not changed gets its new stamp.
 */
export async function sourceUnchanged(ctx: RunContext, options: { bytes?: boolean } = {}): Promise<boolean> {
  const snapshot = SNAPSHOTS.get(ctx);
  if (snapshot === undefined) return false;
  const { path } = ctx.job.source;
  const stamp = fileStamp(path);
  if (!options.bytes && stamp !== null && stamp === snapshot.stamp) return true;
  const same = (await fileDigest(path)) === snapshot.digest;
  if (same && stamp !== null && fileStamp(path) === stamp) snapshot.stamp = stamp;
  return same;
}

/**
 * The run's source reader, found once per run (and again after a resume): a CSV is sniffed once,
 * its dialect pinned and its columns taken from the sniff; a JSONL or Parquet source is described.
 */
export function runSource(ctx: RunContext): Promise<RunSource> {
  let found = SOURCES.get(ctx);
  if (!found) {
    found = findSource(ctx);
    SOURCES.set(ctx, found);
    found.catch(() => SOURCES.delete(ctx));
  }
  return found;
}

async function findSource(ctx: RunContext): Promise<RunSource> {
  const { source } = ctx.job;
  const auto = sourceReader(source);
  if (source.format === 'csv') {
    const header = firstLine(source.path);
    const sniffed = await ctx.db.one<Sniffed>(sniffSql(source));
    if (sniffed) {
      const reader = pinnedReader(source, sniffed);
      const columns = sniffed.Columns.map((c) => c.name);
      return { reader: reader ?? auto, columns, pinned: reader !== undefined, header };
    }
  }
  const described = await ctx.db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${auto}`);
  return { reader: auto, columns: described.map((c) => c.column_name), pinned: false, header: null };
}

/**
 * Run `query` over the source as it is now (the stale checks). It gets the run's pinned reader
 * while the file's header line is the one the dialect was found under, else a reader that sniffs
 * the file afresh, as the plan did; and that one too when the pinned read fails (an edit brought
 * a quote character the first sniff never saw, or a ragged line).
 */
export async function readCurrentSource<T>(
  ctx: RunContext,
  query: (reader: string) => Promise<T>,
): Promise<T> {
  const auto = sourceReader(ctx.job.source);
  const found = await runSource(ctx).catch(() => null);
  if (!found?.pinned || firstLine(ctx.job.source.path) !== found.header) return query(auto);
  try {
    return await query(found.reader);
  } catch {
    return query(auto);
  }
}

/** A file's first line (at most its first 64 KiB), or null when it cannot be read. */
function firstLine(path: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(64 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, read);
    const newline = text.indexOf(10);
    return text.subarray(0, newline === -1 ? read : newline).toString('latin1');
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
