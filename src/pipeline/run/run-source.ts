import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
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

/** Per run context: the sha256 of the source file's bytes the plan's snapshot was read from. */
const SNAPSHOT_DIGESTS = new WeakMap<RunContext, string>();

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
  const before = await fileDigest(ctx.job.source.path);
  const value = await snapshot();
  const after = await fileDigest(ctx.job.source.path);
  if (before !== null && before === after) SNAPSHOT_DIGESTS.set(ctx, before);
  else SNAPSHOT_DIGESTS.delete(ctx);
  return value;
}

/**
 * Does the source file hold exactly the bytes this process's plan read? Then no row can have been
 * edited since, and a stale check has nothing to find: hashing the file is far cheaper than
 * reading every row again (a 110 MB source is hashed in about 0.2 s, and read in seconds). False
 * after a resume in another process, whose plan this was not: its checks read the source.
 */
export async function sourceUnchanged(ctx: RunContext): Promise<boolean> {
  const digest = SNAPSHOT_DIGESTS.get(ctx);
  return digest !== undefined && (await fileDigest(ctx.job.source.path)) === digest;
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
