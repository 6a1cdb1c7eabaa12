import { mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDb } from '../db/run-db.js';
import type { Job } from '../job/job.js';
import type { RunContext } from './run-context.js';
import { fileDigest, readCurrentSource, runSource, snapshotSource, sourceUnchanged } from './run-source.js';
import { sourceReader, sourceRowsSql } from './source-reader.js';

/*
 * A run sniffs its CSV source once and reads it with that dialect pinned from then on: every
 * read must give the rows a sniffing read gives, whatever the dialect. And the stale checks
 * must still see the file as it is now: a new header, or an edit the pinned dialect cannot
 * read, sends them back to a read that sniffs afresh.
 */

const dir = mkdtempSync(join(tmpdir(), 'batchguard-run-source-'));
let db: RunDb;
beforeAll(async () => {
  db = await RunDb.open(join(dir, 'run.duckdb'));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function context(text: string): { ctx: RunContext; job: Job; path: string } {
  const path = join(dir, `source-${++files}.csv`);
  writeFileSync(path, text);
  const job = { key: 'id', source: { path, format: 'csv' } } as unknown as Job;
  return { ctx: { db, job } as unknown as RunContext, job, path };
}

const rowsOf = (job: Job, reader: string) =>
  db.all<{ row_key: string; row_json: string }>(
    `SELECT * FROM (${sourceRowsSql(job, reader)}) ORDER BY row_key`,
  );

const DIALECTS: Record<string, string> = {
  'commas and quotes': 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,plain\n',
  'semicolons, CRLF': 'id;text;n\r\n1;x,y;2\r\n2;"q;z";3\r\n',
  'tabs, a quote inside a field': 'id\ttext\n1\thello "x" there\n2\tworld\n',
  'a backslash escape': 'id,text\n1,"a \\" b"\n2,c\n',
  'names repeated or missing': 'id,a,a,\n1,2,3,4\n2,5,6,7\n',
  'a quoted newline': 'id,text\n1,"two\nlines"\n2,one\n',
  'a header and no rows': 'id,text\n',
  'unicode and a BOM': '\uFEFFid,texte\n1,déjà vu ✓\n2,日本\n',
};

describe('a run’s pinned CSV reader', () => {
  for (const [name, text] of Object.entries(DIALECTS)) {
    it(`reads what a sniffing read reads: ${name}`, async () => {
      const { ctx, job } = context(text);
      const found = await runSource(ctx);
      expect(found.pinned).toBe(true);
      expect(found.reader).toContain('auto_detect = false');
      const auto = await rowsOf(job, sourceReader(job.source));
      expect(await rowsOf(job, found.reader)).toEqual(auto);
      const described = await db.all<{ column_name: string }>(
        `DESCRIBE SELECT * FROM ${sourceReader(job.source)}`,
      );
      expect(found.columns).toEqual(described.map((c) => c.column_name));
    });
  }

  it('is found once per run', async () => {
    const { ctx } = context(DIALECTS['commas and quotes']!);
    expect(runSource(ctx)).toBe(runSource(ctx));
  });

  it('is not pinned for a file with lines before its header', async () => {
    const { ctx, job } = context('# exported nightly\nid,text\n1,x\n');
    const found = await runSource(ctx);
    expect(found.pinned).toBe(false);
    expect(found.reader).toBe(sourceReader(job.source));
  });
});

describe('reading the source as it is now', () => {
  it('uses the pinned reader while the header holds', async () => {
    const { ctx, path } = context('id,text\n1,one\n2,two\n');
    const pinned = (await runSource(ctx)).reader;
    writeFileSync(path, 'id,text\n1,one edited\n2,two\n');
    let used = '';
    await readCurrentSource(ctx, async (reader) => {
      used = reader;
    });
    expect(used).toBe(pinned);
  });

  it('sniffs afresh once the header changed', async () => {
    const { ctx, job, path } = context('id,text\n1,one\n2,two\n');
    await runSource(ctx);
    writeFileSync(path, 'id,body\n1,one\n2,two\n');
    const rows = await readCurrentSource(ctx, (reader) => rowsOf(job, reader));
    expect(rows.map((r) => JSON.parse(r.row_json))).toEqual([
      { id: '1', body: 'one' },
      { id: '2', body: 'two' },
    ]);
  });

  it('sniffs afresh when an edit is past what the pinned dialect reads', async () => {
    // Sniffed with no quote character; the edit quotes a field that holds the delimiter.
    const { ctx, job, path } = context('id,text\n1,one\n2,two\n');
    const { reader: pinned } = await runSource(ctx);
    writeFileSync(path, 'id,text\n1,"one, edited"\n2,two\n');
    await expect(rowsOf(job, pinned)).rejects.toThrow();
    const readers: string[] = [];
    const rows = await readCurrentSource(ctx, (reader) => {
      readers.push(reader);
      return rowsOf(job, reader);
    });
    expect(readers).toEqual([pinned, sourceReader(job.source)]);
    expect(rows.map((r) => JSON.parse(r.row_json).text)).toEqual(['one, edited', 'two']);
  });
});

describe('a source with the very bytes the plan read', () => {
  // By the file's stamp where it still has the one it had when the plan read it (the gate's
  // checks), and by its bytes alone (reconcile's check before promote): the same answers.
  for (const options of [{}, { bytes: true }])
    it(`is unchanged until a byte of it changes, a row is removed, or the file goes (${JSON.stringify(options)})`, async () => {
      const { ctx, path } = context('id,text\n1,one\n2,two\n');
      expect(await sourceUnchanged(ctx, options)).toBe(false);
      await snapshotSource(ctx, async () => {});
      expect(await sourceUnchanged(ctx, options)).toBe(true);
      // The same size, a byte changed: only the file's times tell it from the original by stat.
      writeFileSync(path, 'id,text\n1,one\n2,twO\n');
      expect(await sourceUnchanged(ctx, options)).toBe(false);
      writeFileSync(path, 'id,text\n1,one\n2,two\n');
      expect(await sourceUnchanged(ctx, options)).toBe(true);
      writeFileSync(path, 'id,text\n1,one\n');
      expect(await sourceUnchanged(ctx, options)).toBe(false);
      rmSync(path);
      expect(await sourceUnchanged(ctx, options)).toBe(false);
      expect(await fileDigest(path)).toBeNull();
    });

  it('is unchanged when the file is only touched, or replaced by a copy of the same bytes', async () => {
    const { ctx, path } = context('id,text\n1,one\n');
    await snapshotSource(ctx, async () => {});
    utimesSync(path, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    expect(await sourceUnchanged(ctx)).toBe(true);
    expect(await sourceUnchanged(ctx)).toBe(true);
    const copy = `${path}.copy`;
    writeFileSync(copy, 'id,text\n1,one\n');
    renameSync(copy, path);
    expect(await sourceUnchanged(ctx)).toBe(true);
    expect(await sourceUnchanged(ctx, { bytes: true })).toBe(true);
    writeFileSync(path, 'id,text\n1,two\n');
    expect(await sourceUnchanged(ctx)).toBe(false);
  });

  it('is never taken as unchanged when the file changed while the plan read it', async () => {
    const { ctx, path } = context('id,text\n1,one\n');
    await snapshotSource(ctx, async () => writeFileSync(path, 'id,text\n1,edited mid-read\n'));
    expect(await sourceUnchanged(ctx)).toBe(false);
    // Nor once it is back to either version: the snapshot's bytes are not known.
    writeFileSync(path, 'id,text\n1,one\n');
    expect(await sourceUnchanged(ctx)).toBe(false);
  });
});
