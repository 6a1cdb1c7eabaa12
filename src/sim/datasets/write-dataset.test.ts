import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { generateGolden, generateReviews } from './reviews-dataset.js';
import { writeDataset } from './write-dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'batchguard-dataset-'));
const duckdb = await DuckDBInstance.create(':memory:');
const connection = await duckdb.connect();
afterAll(() => {
  connection.closeSync();
  duckdb.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

const reviewRows = (seed: number, count: number) => Array.from(generateReviews(seed, count), (r) => r.row);

describe('writeDataset', () => {
  it('quotes CSV fields as RFC 4180 says: quotes doubled, commas, line breaks and edge spaces quoted', () => {
    const path = join(dir, 'tricky.csv');
    const rows = [
      { id: 'a', text: 'plain words' },
      { id: 'b', text: 'She said "fine", then left.' },
      { id: 'c', text: 'two\nlines\r\nhere' },
      { id: 'd', text: ' padded ' },
      { id: 'e', text: null },
    ];
    expect(writeDataset(path, rows, 'csv')).toBe(5);
    expect(readFileSync(path, 'utf8')).toBe(
      'id,text\na,plain words\nb,"She said ""fine"", then left."\nc,"two\nlines\r\nhere"\nd," padded "\ne,\n',
    );
  });

  it('writes CSV that DuckDB’s read_csv reads back to the very same rows', async () => {
    const path = join(dir, 'reviews.csv');
    const rows = reviewRows(3, 5000);
    writeDataset(path, rows, 'csv');
    expect(await query(`select * from read_csv('${path}') order by id`)).toEqual(rows);
  });

  it('writes golden rows as JSONL that DuckDB reads back, expected answers included', async () => {
    const path = join(dir, 'golden.jsonl');
    const rows = [...generateGolden(3, 60)];
    expect(writeDataset(path, rows, 'jsonl')).toBe(60);
    expect(
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line) => line && JSON.parse(line)),
    ).toEqual([...rows, '']);
    const read = await query(`select id, expected.label as label from read_json('${path}') order by id`);
    expect(read).toEqual(rows.map((row) => ({ id: row.id, label: row.expected.label })));
  });

  it('writes the same bytes for the same seed, across chunk boundaries', () => {
    const [first, second] = ['one.csv', 'two.csv'].map((name) => join(dir, name));
    writeDataset(first!, generateReviewsRows(9, 30_000), 'csv');
    writeDataset(second!, generateReviewsRows(9, 30_000), 'csv');
    const bytes = readFileSync(first!);
    expect(bytes.length).toBeGreaterThan(2 << 20);
    expect(bytes.equals(readFileSync(second!))).toBe(true);
  });

  it('writes a file whole or not at all: rows that fail midway leave the old file and no partial one', () => {
    const path = join(dir, 'whole.csv');
    writeFileSync(path, 'id\nold\n');
    function* rows() {
      yield { id: 'new-1' };
      throw new Error('the generator failed');
    }
    expect(() => writeDataset(path, rows(), 'csv')).toThrow('the generator failed');
    expect(readFileSync(path, 'utf8')).toBe('id\nold\n');
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('streams: rows already pulled reach the (staged) file while later rows are still being generated', () => {
    const path = join(dir, 'streamed.csv');
    const sizes: number[] = [];
    function* rows() {
      for (let i = 0; i < 40; i++) {
        sizes.push(statSync(`${path}.partial`).size);
        yield { id: String(i), text: 'x'.repeat(100_000) };
      }
    }
    writeDataset(path, rows(), 'csv');
    expect(sizes[0]).toBe(0);
    expect(sizes.at(-1)).toBeGreaterThan(2_000_000);
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(42);
  });
});

function* generateReviewsRows(seed: number, count: number) {
  for (const review of generateReviews(seed, count)) yield review.row;
}
