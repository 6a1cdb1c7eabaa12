import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { withEnv } from '../../../test/support/with-env.js';
import { UsageError } from '../../core/errors.js';
import {
  type Appender,
  duckdbThreads,
  MEMORY_LIMIT,
  MEMORY_LIMIT_VAR,
  memoryLimit,
  OutOfMemoryError,
  RunDb,
  THREADS_VAR,
} from './run-db.js';

const dir = mkdtempSync(join(tmpdir(), 'batchguard-run-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process that opens `path` with DuckDB and keeps it open until killed. */
async function holder(path: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { DuckDBInstance } from '@duckdb/node-api'; await DuckDBInstance.create(process.argv[1]); console.log('ready'); setInterval(() => {}, 1000);",
      path,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`the holding process exited with ${code}`)));
  });
  return child;
}

/** `read` refuses its variable with a UsageError whose message names `named` (the variable and its value). */
function expectRefused(read: () => unknown, named: string): void {
  let error: unknown;
  try {
    read();
  } catch (e) {
    error = e;
  }
  expect(error, named).toBeInstanceOf(UsageError);
  expect((error as UsageError).message).toContain(named);
}

describe('RunDb', () => {
  it('refuses a database another process has open, naming the process and what to do', async () => {
    const path = join(dir, 'held.duckdb');
    const child = await holder(path);
    try {
      const error = await RunDb.open(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe('database_in_use');
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toBe(
        `Failed to open ${path}: another process (PID ${child.pid}) has it open.`,
      );
      expect((error as UsageError).hint).toContain('One batchguard process at a time');
    } finally {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // Once the other process is gone, the same path opens (the failed open was not cached).
    const db = await RunDb.open(path);
    expect(await db.one('SELECT 1 AS one')).toEqual({ one: 1 });
    db.close();
    await RunDb.release(path);
  });

  it('passes on, as it is, a failure to open that is not another process holding the file', async () => {
    const path = join(dir, 'not-a-database.duckdb');
    writeFileSync(path, 'these bytes are not a DuckDB database, and no process holds them\n'.repeat(200));
    const error = await RunDb.open(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UsageError);
    // DuckDB's own words, naming the file.
    expect((error as Error).message).toMatch(/not a valid DuckDB database file/);
    expect((error as Error).message).toContain(path);
  });

  it('refuses a BATCHGUARD_DUCKDB_MEMORY that is not an amount of memory, naming it and the form', async () => {
    expect(memoryLimit({})).toBe(MEMORY_LIMIT);
    expect(memoryLimit({ [MEMORY_LIMIT_VAR]: ' 1GB ' })).toBe('1GB');
    for (const bad of ['lots', '512', '-1GB', '1 GB of it']) {
      expectRefused(() => memoryLimit({ [MEMORY_LIMIT_VAR]: bad }), `${MEMORY_LIMIT_VAR}=${bad}`);
    }
    // Refused before the file is made: nothing written.
    const path = join(dir, 'not-made.duckdb');
    process.env[MEMORY_LIMIT_VAR] = 'lots';
    try {
      await expect(RunDb.open(path)).rejects.toBeInstanceOf(UsageError);
    } finally {
      delete process.env[MEMORY_LIMIT_VAR];
    }
    expect(existsSync(path)).toBe(false);
  });

  it('opens each file with BATCHGUARD_DUCKDB_THREADS threads, and refuses a value that is not a count before any file is made', async () => {
    expect(duckdbThreads({})).toBeUndefined();
    expect(duckdbThreads({ [THREADS_VAR]: ' 3 ' })).toBe(3);
    for (const bad of ['0', 'two', '1.5', '-1', '257']) {
      expectRefused(() => duckdbThreads({ [THREADS_VAR]: bad }), `${THREADS_VAR}=${bad}`);
    }
    const refused = join(dir, 'threads-refused.duckdb');
    await withEnv({ [THREADS_VAR]: 'two' }, () =>
      expect(RunDb.open(refused)).rejects.toBeInstanceOf(UsageError),
    );
    expect(existsSync(refused)).toBe(false);
    // The variable, else what the opener asks (a drill's scratch database asks for one).
    for (const [variable, asked, expected] of [
      ['1', undefined, 1],
      ['3', 1, 3],
      [undefined, 1, 1],
    ] as const) {
      const path = join(dir, `threads-${variable}-${asked}.duckdb`);
      const db = await withEnv({ [THREADS_VAR]: variable }, () => RunDb.open(path, { threads: asked }));
      expect(await db.one("SELECT current_setting('threads')::INTEGER AS n")).toEqual({ n: expected });
      db.close();
      await RunDb.release(path);
    }
  });

  it('opens each file with its memory ceiling, and lets DuckDB stream inserts in any order', async () => {
    const path = join(dir, 'settings.duckdb');
    const db = await RunDb.open(path);
    // 192 MB (MEMORY_LIMIT), as DuckDB prints it.
    expect(
      await db.one(
        "SELECT current_setting('memory_limit') AS memory, current_setting('preserve_insertion_order') AS ordered",
      ),
    ).toEqual({ memory: '183.1 MiB', ordered: false });
    expect(MEMORY_LIMIT).toBe('192MB');
    db.close();
    await RunDb.release(path);
    // BATCHGUARD_DUCKDB_MEMORY raises it, for a job whose promote outgrows it.
    process.env[MEMORY_LIMIT_VAR] = '512MB';
    try {
      const raised = await RunDb.open(path);
      expect(await raised.one("SELECT current_setting('memory_limit') AS memory")).toEqual({
        memory: '488.2 MiB',
      });
      raised.close();
      await RunDb.release(path);
    } finally {
      delete process.env[MEMORY_LIMIT_VAR];
    }
    // Releasing a file this process does not have open (or no longer has) does nothing.
    await expect(RunDb.release(path)).resolves.toBeUndefined();
    await expect(RunDb.release(join(dir, 'never-opened.duckdb'), { discard: true })).resolves.toBeUndefined();
  });

  it('appends rows in bulk when the fill returns, and none of them when it throws, even once collected', async () => {
    const path = join(dir, 'append.duckdb');
    const db = await RunDb.open(path);
    await db.exec('CREATE TABLE t (n INTEGER)');
    const fill = (upTo: number, failAt?: number) => (appender: Appender) => {
      for (let n = 1; n <= upTo; n++) {
        if (n === failAt) throw new Error(`row ${n} is bad`);
        appender.appendInteger(n);
        appender.endRow();
      }
      return upTo;
    };
    expect(await db.append('t', fill(3))).toBe(3);
    await expect(db.append('t', fill(5, 4))).rejects.toThrow('row 4 is bad');
    // An appender left holding rows 1-3 would write them when the garbage collector destroys it.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await db.all('SELECT n FROM t ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    db.close();
    await RunDb.release(path);
  });

  it('raises DuckDB running out of memory as OutOfMemoryError, from a statement, a COMMIT or an appender, and keeps none of a failed transaction’s rows', async () => {
    const path = join(dir, 'small.duckdb');
    const db = await withEnv({ [MEMORY_LIMIT_VAR]: '32MB' }, () => RunDb.open(path));
    const outOfMemory = async (work: Promise<unknown>, words: RegExp) => {
      const error = await work.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OutOfMemoryError);
      expect(error).toMatchObject({ code: 'duckdb_out_of_memory', exitCode: 1 });
      expect((error as Error).message).toMatch(words);
    };
    // A key index is held in memory whole: a keyed table is what outgrows 32 MB here.
    await db.exec('CREATE TABLE t (k VARCHAR PRIMARY KEY, n INTEGER)');
    await db.exec("INSERT INTO t SELECT repeat('z', 50) || range, range FROM range(200000)");
    const ceiling = /^DuckDB ran out of its 32MB memory ceiling \((could not|failed to) (allocate|pin) /;
    // A statement.
    await outOfMemory(
      db.exec(
        "CREATE TABLE big AS SELECT repeat('x', 1000) || range AS a FROM range(300000) ORDER BY a DESC",
      ),
      ceiling,
    );
    // A COMMIT: "TransactionContext Error: Failed to commit: failed to allocate data …". The
    // transaction's rows are gone with it, even once the garbage collector has run.
    await outOfMemory(
      db.transaction(() =>
        db.exec("INSERT INTO t SELECT repeat('y', 50) || range, range FROM range(400000)"),
      ),
      ceiling,
    );
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await db.one('SELECT count(*)::INTEGER AS n FROM t')).toEqual({ n: 200_000 });
    // An appender: "Failed to append: … could not allocate …". It writes every 204,800 rows as it
    // goes (DuckDB's flush), so what it wrote before it failed stays: its callers delete first.
    await outOfMemory(
      db.append('t', (appender) => {
        for (let n = 0; n < 600_000; n++) {
          appender.appendVarchar(`${'x'.repeat(200)}${n}`);
          appender.appendInteger(n);
          appender.endRow();
        }
      }),
      ceiling,
    );
    db.close();
    await RunDb.release(path, { discard: true });
  }, 60_000);

  it('lets transactions on two connections to one file take turns, so neither fails on rows both write', async () => {
    const path = join(dir, 'turns.duckdb');
    const [first, second] = [await RunDb.open(path), await RunDb.open(path)];
    await first.exec('CREATE TABLE t (k VARCHAR PRIMARY KEY, v VARCHAR)');
    const order: string[] = [];
    const write = (db: RunDb, value: string) =>
      db.transaction(async () => {
        order.push(`begin ${value}`);
        await db.exec('INSERT OR REPLACE INTO t VALUES (?, ?)', ['k1', value]);
        await db.exec('INSERT OR REPLACE INTO t VALUES (?, ?)', ['k2', value]);
        order.push(`end ${value}`);
      });
    await Promise.all([write(first, 'one'), write(second, 'two')]);
    expect(order).toEqual(['begin one', 'end one', 'begin two', 'end two']);
    expect(await first.all('SELECT k, v FROM t ORDER BY k')).toEqual([
      { k: 'k1', v: 'two' },
      { k: 'k2', v: 'two' },
    ]);
    first.close();
    second.close();
    await RunDb.release(path);
  });

  it('creates a new file’s tables in turn, so two connections opening it at once do not conflict', async () => {
    for (let i = 0; i < 10; i++) {
      const path = join(dir, `fresh-${i}.duckdb`);
      const both = await Promise.all([RunDb.open(path), RunDb.open(path)]);
      expect(await both[1].one('SELECT count(*)::INTEGER AS n FROM runs')).toEqual({ n: 0 });
      for (const db of both) db.close();
      await RunDb.release(path, { discard: true });
    }
  });

  it('undoes the whole transaction when its body fails, reports the body’s error, and frees the turn', async () => {
    const path = join(dir, 'undo.duckdb');
    const db = await RunDb.open(path);
    await db.exec('CREATE TABLE t (k VARCHAR PRIMARY KEY)');
    const failed = db.transaction(async () => {
      await db.exec("INSERT INTO t VALUES ('a')");
      await db.exec("INSERT INTO t VALUES ('a')"); // a duplicate key: the body fails
    });
    await expect(failed).rejects.toThrow(/duplicate key "a"/);
    await db.transaction(() => db.exec("INSERT INTO t VALUES ('b')"));
    expect(await db.all('SELECT k FROM t')).toEqual([{ k: 'b' }]);
    db.close();
    await RunDb.release(path);
  });

  it('refuses a transaction begun inside another on the same file, where it would wait forever', async () => {
    const path = join(dir, 'nested.duckdb');
    const [db, other] = [await RunDb.open(path), await RunDb.open(path)];
    await db.exec('CREATE TABLE t (k VARCHAR)');
    const nested = db.transaction(async () => {
      await db.exec("INSERT INTO t VALUES ('outer')");
      await other.transaction(() => other.exec("INSERT INTO t VALUES ('inner')"));
    });
    await expect(nested).rejects.toThrow(
      `A transaction on ${path} was begun inside another on the same file.`,
    );
    expect(await db.all('SELECT k FROM t')).toEqual([]); // the outer one undone
    // Turns on the file go on, and one after another is no nesting.
    await db.transaction(() => db.exec("INSERT INTO t VALUES ('after')"));
    await other.transaction(() => other.exec("INSERT INTO t VALUES ('later')"));
    expect(await db.all('SELECT k FROM t ORDER BY k')).toEqual([{ k: 'after' }, { k: 'later' }]);
    db.close();
    other.close();
    await RunDb.release(path);
  });

  it('skips the checkpoint when a discarded database closes, and loses nothing committed', async () => {
    const wal = (path: string) => existsSync(`${path}.wal`);
    const write = async (path: string) => {
      const db = await RunDb.open(path);
      await db.exec('CREATE TABLE t (k VARCHAR)');
      await db.exec("INSERT INTO t VALUES ('kept')");
      db.close();
    };
    const kept = join(dir, 'kept.duckdb');
    await write(kept);
    await RunDb.release(kept);
    expect(wal(kept), 'a plain close folds the log into the file').toBe(false);
    const discarded = join(dir, 'discarded.duckdb');
    await write(discarded);
    await RunDb.release(discarded, { discard: true });
    expect(wal(discarded), 'a discarded database closes without a checkpoint').toBe(true);
    // The log still holds every commit: opened again, the database replays it.
    const again = await RunDb.open(discarded);
    expect(await again.all('SELECT k FROM t')).toEqual([{ k: 'kept' }]);
    again.close();
    await RunDb.release(discarded);
  });
});
