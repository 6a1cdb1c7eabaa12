import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { RUN_TABLES, SCHEMA_SQL, SQL_RESERVED, TEMP_TABLES } from './schema.js';

/*
 * The names a sink may not take are lists kept by hand beside what they describe; these tests
 * hold each list to its source, so a new table or a DuckDB upgrade cannot leave one behind.
 */

/** Every .ts file under `dir`, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('the names a sink may not take', () => {
  it('RUN_TABLES are the tables SCHEMA_SQL makes', async () => {
    const tables = await query(
      `${SCHEMA_SQL} SELECT table_name FROM information_schema.tables ORDER BY table_name`,
    );
    expect([...RUN_TABLES].sort()).toEqual(tables.map((t) => t.table_name));
  });

  it('TEMP_TABLES are the temporary tables the pipeline makes', () => {
    const made = new Set(
      sources('src/pipeline').flatMap((file) =>
        Array.from(readFileSync(file, 'utf8').matchAll(/TEMP TABLE (\w+)/g), (m) => m[1]!),
      ),
    );
    expect([...TEMP_TABLES].sort()).toEqual([...made].sort());
  });

  it("SQL_RESERVED is the pinned DuckDB's list of reserved words", async () => {
    const words = await query(
      "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved' ORDER BY keyword_name",
    );
    expect([...SQL_RESERVED].sort()).toEqual(words.map((w) => w.keyword_name));
  });
});
