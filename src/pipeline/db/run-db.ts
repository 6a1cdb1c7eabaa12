import { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBValue,
} from '@duckdb/node-api';
import { BatchguardError, UsageError } from '../../core/errors.js';
import { inlineParams } from './inline-params.js';
import { CHECKED, SCHEMA_SQL, TIMES } from './schema.js';
import { LAYOUT_VERSION, migrationSql } from './views.js';

export type SqlParams = DuckDBValue[];
export type Appender = DuckDBAppender;

/** DuckDB's own memory ceiling per database file. */
export const MEMORY_LIMIT = '192MB';

/** The environment variable that raises (or lowers) MEMORY_LIMIT for one command. */
export const MEMORY_LIMIT_VAR = 'BATCHGUARD_DUCKDB_MEMORY';

/**
 * The memory ceiling to open databases with: MEMORY_LIMIT, or BATCHGUARD_DUCKDB_MEMORY when set.
 * Promote upserts every valid row into the sink in one transaction, and DuckDB keeps the sink's
 * key index in memory: somewhere past 1,000,000 rows (3,000,000 failed here) that outgrows 192 MB and the promote fails
 * ("could not allocate block"), leaving the run in its promote step; `resume` with a larger
 * ceiling finishes it.
 */
export function memoryLimit(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[MEMORY_LIMIT_VAR]?.trim();
  if (value === undefined || value === '') return MEMORY_LIMIT;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(value))
    throw new UsageError(
      'bad_memory_limit',
      `Failed to open the run database: ${MEMORY_LIMIT_VAR}=${value} is not an amount of memory.`,
      `Give a number and a unit, such as ${MEMORY_LIMIT_VAR}=1GB or 512MB (unset: ${MEMORY_LIMIT}).`,
    );
  return value;
}

/** The environment variable that sets DuckDB's threads per database file (unset: one per core). */
export const THREADS_VAR = 'BATCHGUARD_DUCKDB_THREADS';

/**
 * DuckDB's threads for the databases this process opens, from BATCHGUARD_DUCKDB_THREADS, or
 * undefined for DuckDB's own default (one per core). Where several runs share the cores (test
 * workers side by side, drills two at a time) one thread each does the same work in less time:
 * the threads of each database no longer contend with the others'.
 */
export function duckdbThreads(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[THREADS_VAR]?.trim();
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256)
    throw new UsageError(
      'bad_threads',
      `Failed to open the run database: ${THREADS_VAR}=${value} is not a number of threads.`,
      `Give a whole number from 1 to 256, such as ${THREADS_VAR}=1 (unset: one per core).`,
    );
  return Number(value);
}

/**
 * The run database: a DuckDB file. One DuckDBInstance per file per process (a second `create`
 * on the same path is a separate, diverging database), so instances come from the library's
 * cache; each RunDb holds its own connection.
 */
/**
 * This process's one instance per database file. Kept here rather than in DuckDB's own
 * `fromCache`, whose lookup hung (one time in two) when a second connection was opened while the
 * first had been busy: `batchguard drill` runs the runbook's commands in-process on the drill's
 * database.
 */
const INSTANCES = new Map<string, Promise<DuckDBInstance>>();
/** The memory ceiling each file's instance was made with (it holds for the instance's life). */
const LIMITS = new Map<string, string>();
/** Per database file, the end of the last transaction queued on it (see `transaction`). */
const WRITERS = new Map<string, Promise<void>>();
/** The database file whose transaction turn the current async call chain holds, if any. */
const HOLDING = new AsyncLocalStorage<string>();

/**
 * DuckDB lets one process at a time open a database file for writing: a second `batchguard`
 * process on the same file (a second run while the first is still going) gets a clear refusal.
 */
function lockedError(path: string, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const holder = /Conflicting lock is held in (.*?)(?: \(PID (\d+)\))?\./.exec(message);
  if (!message.includes('Could not set lock on file') || !holder) return error;
  return new UsageError(
    'database_in_use',
    `Failed to open ${path}: another process${holder[2] ? ` (PID ${holder[2]})` : ''} has it open.`,
    'One batchguard process at a time can use a run database: wait for the other to finish (a run in progress can be resumed later, never run twice at once), or give this one another --db.',
  );
}

/**
 * DuckDB ran out of its memory ceiling (MEMORY_LIMIT, or BATCHGUARD_DUCKDB_MEMORY). Not bad input
 * and not a bug: the same command with a larger ceiling gets through. What was being done is
 * rolled back with its statement or transaction; a run's step says where it stopped.
 */
export class OutOfMemoryError extends BatchguardError {
  constructor(
    readonly memoryLimit: string,
    duckdbMessage: string,
  ) {
    super(
      'duckdb_out_of_memory',
      `DuckDB ran out of its ${memoryLimit} memory ceiling (${duckdbMessage
        .split('\n')[0]!
        .replace(
          /^(?:(?:Out of Memory Error|TransactionContext Error|Failed to append|Failed to commit): )+/,
          '',
        )}).`,
      `Give it more for this command: ${MEMORY_LIMIT_VAR}=1GB (or more) before the command.`,
      1,
    );
    this.name = 'OutOfMemoryError';
  }
}

/**
 * DuckDB's words for running out of memory: "Out of Memory Error: could not allocate block …" from
 * a statement, "Failed to append: could not allocate block …" from an appender, "Failed to
 * commit: failed to allocate data …" from a COMMIT, "failed to pin block …" from a spill.
 */
const OUT_OF_MEMORY = /Out of Memory Error|(?:could not|failed to) (?:allocate|pin) (?:block|data|memory)\b/;

/** Whether `error` is DuckDB running out of memory, as it raised it or as RunDb passed it on. */
export const isOutOfMemory = (error: unknown): boolean =>
  error instanceof OutOfMemoryError || (error instanceof Error && OUT_OF_MEMORY.test(error.message));

/** DuckDB's out-of-memory error as an OutOfMemoryError; any other error as it is. */
export function ownError(error: unknown, memoryLimit: string): unknown {
  return isOutOfMemory(error) && !(error instanceof OutOfMemoryError)
    ? new OutOfMemoryError(memoryLimit, (error as Error).message)
    : error;
}

/**
 * A statement as DuckDB gets it: its parameters written in as literals when they can be
 * (inline-params.ts), else with them to bind. A statement with none runs as it is: an empty list
 * would have it prepared and bound first, half again its cost for a small statement.
 */
function statement(sql: string, params: SqlParams): [string, SqlParams | undefined] {
  if (params.length === 0) return [sql, undefined];
  const inlined = inlineParams(sql, params);
  return inlined === undefined ? [sql, params] : [inlined, undefined];
}

/**
 * What this process has asked of DuckDB: statements (an appender counts as one) and the
 * transactions they made (each statement outside an explicit transaction is one of its own).
 * `bench:small` prints them per run.
 */
export const DB_COUNTS = { statements: 0, transactions: 0 };

export class RunDb {
  private constructor(
    readonly path: string,
    /** The resolved path: the key of this file's instance and of its transaction queue. */
    private readonly file: string,
    private readonly conn: DuckDBConnection,
  ) {}

  /** DuckDB's memory ceiling for this file, as it was given (`BATCHGUARD_DUCKDB_MEMORY` or 192MB). */
  get memoryLimit(): string {
    return LIMITS.get(this.file) ?? MEMORY_LIMIT;
  }

  /**
   * `threads`: DuckDB's threads for the file when this process has not opened it yet and
   * BATCHGUARD_DUCKDB_THREADS does not say (a drill's small scratch database asks for one).
   */
  static async open(path: string, options: { threads?: number } = {}): Promise<RunDb> {
    // DuckDB's buffer pool defaults to 80 % of RAM; the pipeline promises well under 1 GB, and
    // DuckDB spills to disk past its limit.
    // Every query that needs an order says so; not preserving insertion order lets DuckDB stream
    // large inserts instead of buffering them. 128 MB proved too little for a 1,000,000-row run.
    const file = resolve(path);
    let instance = INSTANCES.get(file);
    if (!instance) {
      const memory = memoryLimit();
      const threads = duckdbThreads() ?? options.threads;
      LIMITS.set(file, memory);
      instance = DuckDBInstance.create(file, {
        memory_limit: memory,
        preserve_insertion_order: 'false',
        ...(threads === undefined ? {} : { threads: String(threads) }),
      }).catch((error: unknown) => {
        INSTANCES.delete(file);
        LIMITS.delete(file);
        throw lockedError(path, error);
      });
      INSTANCES.set(file, instance);
    }
    const db = new RunDb(path, file, await (await instance).connect());
    // In a transaction, so in turn: two connections creating the tables of a new file at once
    // would conflict (DuckDB's catalog is optimistic too).
    await db.transaction(async () => {
      // A file with no table yet gets every table in this layout from SCHEMA_SQL, so it skips the
      // checks that bring an older layout's tables up (some 30 catalog queries, half the cost of
      // making a database: a drill's, the game day's, a team's first run).
      const tables = await db.one<{ n: number }>(
        'SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = current_database()',
      );
      await db.exec(SCHEMA_SQL);
      await migrate(db, tables?.n === 0);
    });
    return db;
  }

  /** Run statements that return no rows; resolves to the rows the last one inserted, updated or deleted. */
  async exec(sql: string, params: SqlParams = []): Promise<number> {
    this.count();
    try {
      return (await this.conn.run(...statement(sql, params))).rowsChanged;
    } catch (error) {
      throw ownError(error, this.memoryLimit);
    }
  }

  /** All rows of a query as plain JS objects (integers as numbers; cast BIGINTs in SQL). */
  async all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.count();
    try {
      const reader = await this.conn.runAndReadAll(...statement(sql, params));
      return reader.getRowObjectsJS() as T[];
    } catch (error) {
      throw ownError(error, this.memoryLimit);
    }
  }

  async one<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Stream a query's rows in chunks, never holding the whole result. */
  async *stream<T = Record<string, unknown>>(sql: string, params: SqlParams = []): AsyncGenerator<T[]> {
    this.count();
    try {
      const result = await this.conn.stream(...statement(sql, params));
      for await (const rows of result.yieldRowObjectJs()) yield rows as T[];
    } catch (error) {
      throw ownError(error, this.memoryLimit);
    }
  }

  /**
   * Write rows to `table` in bulk through a DuckDB Appender (far faster than row-by-row INSERT):
   * `fill` appends them, and they are written when it returns. If it throws, none of them is: an
   * appender left open would write what it holds when the garbage collector destroys it, rows of
   * a step that failed. (Past 204,800 rows DuckDB writes as the fill goes, and what it wrote
   * stays: the pipeline's appends are at most a batch, and their steps delete before appending.)
   */
  async append<T>(table: string, fill: (appender: Appender) => T | Promise<T>): Promise<T> {
    return this.appendOn(this.conn, table, fill);
  }

  /**
   * `append` on a connection of its own, for filling from a query that streams on this one: any
   * other statement on this connection would end that stream. Its rows are written when `fill`
   * returns, in a transaction of their own (never inside one `transaction` holds).
   */
  async appendApart<T>(table: string, fill: (appender: Appender) => T | Promise<T>): Promise<T> {
    const conn = await (await INSTANCES.get(this.file)!).connect();
    try {
      return await this.appendOn(conn, table, fill);
    } finally {
      conn.closeSync();
    }
  }

  private async appendOn<T>(
    conn: DuckDBConnection,
    table: string,
    fill: (appender: Appender) => T | Promise<T>,
  ): Promise<T> {
    this.count();
    const appender = await conn.createAppender(table);
    let value: T;
    try {
      value = await fill(appender);
      // The rows are written as the appender closes: where DuckDB may run out of memory.
      appender.closeSync();
    } catch (error) {
      discard(appender);
      throw ownError(error, this.memoryLimit);
    }
    return value;
  }

  /**
   * Run `body` in one transaction: all of it happens, or none of it. Transactions on one database
   * file take turns within this process (another process cannot open the file at all): DuckDB's
   * concurrency is optimistic, so two runs promoting into one sink at once would otherwise have
   * one of them fail at commit on the rows both write.
   */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    // A transaction begun inside another on the same file would wait for the turn its own caller
    // holds: a hang with no message. A programming error, so say so at once.
    if (HOLDING.getStore() === this.file)
      throw new Error(`A transaction on ${this.path} was begun inside another on the same file.`);
    const before = WRITERS.get(this.file) ?? Promise.resolve();
    let release = () => {};
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    WRITERS.set(
      this.file,
      before.then(() => turn),
    );
    await before;
    try {
      return await HOLDING.run(this.file, () => this.inTransaction(body));
    } finally {
      release();
    }
  }

  /** Count a statement, and its transaction if it makes its own. */
  private count(): void {
    DB_COUNTS.statements++;
    if (HOLDING.getStore() !== this.file) DB_COUNTS.transactions++;
  }

  private async inTransaction<T>(body: () => Promise<T>): Promise<T> {
    DB_COUNTS.transactions++;
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const value = await body();
      await this.conn.run('COMMIT').catch((error: unknown) => {
        throw ownError(error, this.memoryLimit);
      });
      return value;
    } catch (error) {
      // A failed COMMIT has already ended the transaction, and then ROLLBACK fails too ("no
      // transaction is active"): the error worth reporting is the first one.
      await this.conn.run('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  close(): void {
    this.conn.closeSync();
  }

  /**
   * Close this process's instance of the database at `path`, once every connection to it is
   * closed: a drill does this before it deletes its scratch database. DuckDB folds its write-ahead
   * log into the file as it closes; `discard` skips that for a database about to be deleted
   * (most of the cost of closing a small one). What was committed stays in the log either way.
   */
  static async release(path: string, options: { discard?: boolean } = {}): Promise<void> {
    const file = resolve(path);
    const pending = INSTANCES.get(file);
    INSTANCES.delete(file);
    LIMITS.delete(file);
    WRITERS.delete(file);
    const instance = await pending;
    if (!instance) return;
    if (options.discard) {
      const conn = await instance.connect();
      await conn.run('PRAGMA disable_checkpoint_on_shutdown');
      conn.closeSync();
    }
    instance.closeSync();
  }
}

/**
 * Drop what an appender holds and close it, whatever state a failure left it in: an appender that
 * failed to close still holds its rows, and would write them into whatever transaction is open on
 * its connection when the garbage collector destroys it.
 */
function discard(appender: DuckDBAppender): void {
  try {
    appender.clear();
  } catch {
    // Nothing held, or nothing more to do: closing is what matters.
  }
  try {
    appender.closeSync();
  } catch {
    // Already closed, or failing to close an empty appender: nothing is left to write.
  }
}

/**
 * Bring a database of an earlier layout to this one, once (the layout's version is kept in
 * `batchguard_meta`): typed metrics from layout 1's JSON, CHECK constraints on the tables of
 * layouts before 4, then the views. Inside the open's transaction, so a database is migrated
 * whole or not at all; nothing in it is lost. A `fresh` database (no table before this open)
 * needs only its views and its version.
 */
async function migrate(db: RunDb, fresh: boolean): Promise<void> {
  const version = await db.one<{ value: string }>("SELECT value FROM batchguard_meta WHERE key = 'layout'");
  if (version?.value === LAYOUT_VERSION) return;
  const legacy = fresh
    ? undefined
    : await db.one<{ n: number }>(
        `SELECT count(*)::INTEGER AS n FROM information_schema.columns
         WHERE table_name = 'metrics' AND column_name IN ('metrics_json', 'counts_json')`,
      );
  const steps = migrationSql(legacy?.n === 2);
  const views = steps.filter(
    (sql) => sql.startsWith('CREATE OR REPLACE VIEW') || sql.includes('batchguard_meta'),
  );
  for (const sql of steps.filter((sql) => !views.includes(sql))) await db.exec(sql);
  if (!fresh)
    for (const table of new Set([...Object.keys(CHECKED), ...Object.keys(TIMES)]))
      await rebuild(db, table, CHECKED[table] ?? {}, TIMES[table] ?? []);
  for (const sql of views) await db.exec(sql);
}

/**
 * Rebuild `table` in this layout's shape when it is in an older one: no CHECK constraints (a
 * database made before them), or times kept as RFC 3339 text. The table is renamed aside, made
 * again by SCHEMA_SQL, and its rows copied by column name (text times cast to TIMESTAMPs). A table
 * holding a value outside its list, or a time that does not parse (written by some other tool),
 * is left as it is: never refused, never half-migrated.
 */
async function rebuild(
  db: RunDb,
  table: string,
  columns: Readonly<Record<string, readonly string[]>>,
  times: readonly string[],
): Promise<void> {
  const exists = await db.one<{ n: number }>(
    'SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = ?',
    [table],
  );
  if (exists!.n === 0) return;
  const checks = await db.one<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_constraints() WHERE table_name = ? AND constraint_type = 'CHECK'",
    [table],
  );
  const textTimes = await db.one<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM information_schema.columns
     WHERE table_name = ? AND data_type <> 'TIMESTAMP' AND column_name IN (${times.map(() => '?').join(', ') || 'NULL'})`,
    [table, ...times],
  );
  const needsChecks = checks!.n === 0 && Object.keys(columns).length > 0;
  if (!needsChecks && textTimes!.n === 0) return;
  const outside = [
    ...Object.entries(columns).map(
      ([column, values]) => `${column} NOT IN (${values.map((v) => `'${v}'`).join(', ')})`,
    ),
    ...times.map((column) => `(${column} IS NOT NULL AND TRY_CAST(${column} AS TIMESTAMP) IS NULL)`),
  ].join(' OR ');
  const bad = await db.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${table} WHERE ${outside}`);
  if (bad!.n > 0) return;
  await db.exec(`ALTER TABLE ${table} RENAME TO ${table}__old_layout`);
  await db.exec(SCHEMA_SQL);
  await db.exec(`INSERT INTO ${table} BY NAME SELECT * FROM ${table}__old_layout`);
  await db.exec(`DROP TABLE ${table}__old_layout`);
}
