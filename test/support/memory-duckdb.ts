import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';

/**
 * An in-memory DuckDB connection for the tests of one file, opened before them and closed after:
 * for SQL that needs no run database. Call at the top of the file; the function it returns gives
 * the connection once the tests run.
 */
export function memoryDuckDb(): () => DuckDBConnection {
  let instance: DuckDBInstance | undefined;
  let conn: DuckDBConnection | undefined;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
  });
  afterAll(() => {
    conn?.closeSync();
    instance?.closeSync();
  });
  return () => {
    if (!conn) throw new Error('memoryDuckDb: the connection is open only while the tests run');
    return conn;
  };
}
