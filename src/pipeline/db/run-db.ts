import { resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { SCHEMA_SQL } from './schema.js';

export type SqlParams = DuckDBValue[];

/** DuckDB's own memory ceiling per database file. */
export const MEMORY_LIMIT = '192MB';

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

export class RunDb {
  private constructor(
    readonly path: string,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<RunDb> {
    // DuckDB's buffer pool defaults to 80 % of RAM; the pipeline promises well under 1 GB, and
    // DuckDB spills to disk past its limit.
    // Every query that needs an order says so; not preserving insertion order lets DuckDB stream
    // large inserts instead of buffering them. 128 MB proved too little for a 1,000,000-row run.
    const file = resolve(path);
    let instance = INSTANCES.get(file);
    if (!instance) {
      instance = DuckDBInstance.create(file, {
        memory_limit: MEMORY_LIMIT,
        preserve_insertion_order: 'false',
      });
      INSTANCES.set(file, instance);
    }
    const db = new RunDb(path, await (await instance).connect());
    await db.exec(SCHEMA_SQL);
    return db;
  }

  /** Run statements that return nothing. */
  async exec(sql: string, params: SqlParams = []): Promise<void> {
    await this.conn.run(sql, params);
  }

  /** All rows of a query as plain JS objects (integers as numbers; cast BIGINTs in SQL). */
  async all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  async one<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Stream a query's rows in chunks, never holding the whole result. */
  async *stream<T = Record<string, unknown>>(sql: string, params: SqlParams = []): AsyncGenerator<T[]> {
    const result = await this.conn.stream(sql, params);
    for await (const rows of result.yieldRowObjectJs()) yield rows as T[];
  }

  /** A bulk writer (DuckDB Appender) for `table`; far faster than row-by-row INSERT. */
  appender(table: string) {
    return this.conn.createAppender(table);
  }

  /** Run `body` in one transaction: all of it happens, or none of it. */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.exec('BEGIN TRANSACTION');
    try {
      const value = await body();
      await this.exec('COMMIT');
      return value;
    } catch (error) {
      await this.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.conn.closeSync();
  }

  /**
   * Close this process's instance of the database at `path`, once every connection to it is
   * closed: a drill does this before it deletes its scratch database.
   */
  static async release(path: string): Promise<void> {
    const file = resolve(path);
    const instance = INSTANCES.get(file);
    INSTANCES.delete(file);
    (await instance)?.closeSync();
  }
}
