import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { RUN_DATA_TABLES } from '../src/pipeline/db/schema.js';
import { countCalls } from './support/fetch-taps.js';
import { csvOf, GOLDEN, jobFolder, reviews, simRun } from './support/pipeline-harness.js';
import { count } from './support/run-checks.js';

/*
 * Source files that are not the text their format promises: a NUL byte, a binary or compressed
 * file, UTF-16, invalid UTF-8, a JSONL line that is not an object, a byte order mark where JSON
 * Lines allows none, an empty file, a malformed line past the rows DuckDB samples. Each is
 * refused (UsageError, exit 2) with the file, the line where there is one, the real problem and
 * what to do, before any call, and the refused run leaves nothing in the run database.
 */

const lines = (n: number) => reviews(n).map((r) => JSON.stringify(r));

/** Start a job whose source `file` holds `content`; it must be refused with `message` and `hint`. */
async function expectRefused(file: string, content: string | Buffer, message: string | RegExp, hint: RegExp) {
  const folder = jobFolder(20, { source: file }, { [file]: '' });
  writeFileSync(join(folder.dir, file), content);
  const run = await simRun(folder.dir);
  const calls = countCalls(run);
  const error = await run.start(folder.job).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  expect(error).toMatchObject({ code: 'bad_source', exitCode: 2 });
  const prefix = `Failed to read source ${join(folder.dir, file)}: `;
  expect((error as UsageError).message.startsWith(prefix), (error as Error).message).toBe(true);
  const reason = (error as UsageError).message.slice(prefix.length);
  if (typeof message === 'string') expect(reason).toBe(message);
  else expect(reason).toMatch(message);
  expect((error as UsageError).hint).toMatch(hint);
  expect(calls()).toBe(0);
  for (const table of RUN_DATA_TABLES)
    expect(await count(run.db, `SELECT count(*) FROM ${table}`), table).toBe(0);
}

const CSV = csvOf(reviews(20));

describe('a source that is not the text its format promises', () => {
  it.each([
    [
      'a NUL byte in a CSV value',
      'reviews.csv',
      CSV.replace('Order 4:', 'Order\0 4:'),
      'line 5 holds a NUL byte, which no text has.',
      /damaged/,
    ],
    [
      'a NUL byte after a JSONL object',
      'reviews.jsonl',
      lines(20)
        .map((l, i) => (i === 11 ? `${l}\0` : l))
        .join('\n'),
      'line 12 holds a NUL byte, which no text has.',
      /damaged/,
    ],
    [
      'a binary file',
      'reviews.csv',
      Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256)),
      'it is binary, not CSV text.',
      /export/,
    ],
    [
      'UTF-16 text',
      'reviews.csv',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]),
      'it is UTF-16 text; batchguard reads UTF-8.',
      /UTF-8/,
    ],
    [
      'invalid UTF-8 in a CSV row',
      'reviews.csv',
      Buffer.concat([
        Buffer.from('id,sku,text\nrev-1,SKU-1,ok\nrev-2,SKU-2,caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
      'line 3 is not valid UTF-8.',
      /Latin-1/,
    ],
    [
      'invalid UTF-8 in a JSONL string',
      'reviews.jsonl',
      Buffer.concat([
        Buffer.from(`${lines(3).join('\n')}\n{"id":"x","sku":"s","text":"`),
        Buffer.from([0xff]),
        Buffer.from('"}\n'),
      ]),
      'line 4 is not valid UTF-8.',
      /Latin-1/,
    ],
    [
      'a gzip-compressed file',
      'reviews.csv',
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]),
      'it is gzip-compressed, not CSV text.',
      /gunzip/,
    ],
    [
      'an Excel workbook',
      'reviews.csv',
      Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40, 1)]),
      'it is a ZIP archive (an Excel workbook?), not CSV text.',
      /CSV UTF-8/,
    ],
    ['an empty CSV file', 'reviews.csv', '', 'the file is empty.', /path/],
    ['a JSONL file of blank lines', 'reviews.jsonl', '\n  \n\r\n', 'the file is empty.', /path/],
  ])('refuses %s, naming the real problem', async (_, file, content, message, hint) => {
    await expectRefused(file, content, message, hint);
  });

  it.each([
    ['[1, 2]', 'a JSON array'],
    ['  42', 'a JSON number'],
    ['"a review"', 'a JSON string'],
    ['null', 'JSON null'],
    ['true', 'a JSON boolean'],
    ['id,sku,text', 'not a JSON object (it starts with "i")'],
  ])('refuses a JSONL line %s, naming its line and what it is', async (line, what) => {
    const jsonl = lines(20)
      .map((l, i) => (i === 6 ? line : l))
      .join('\n');
    await expectRefused(
      'reviews.jsonl',
      jsonl,
      `line 7 is ${what.startsWith('not') ? what : `${what}, not an object`}.`,
      /one JSON object/,
    );
  });

  it.each([
    ['a line of spaces', `${CSV}  \n`, 'line 22 has 1 field where the header (line 1) has 3.'],
    [
      'a field with an unquoted comma, under a long field',
      CSV.replace('rev-0004,SKU-4,', 'rev-0004,SKU-4,Fine, mostly,').replace(
        'Order 9:',
        `${'x'.repeat(20_000)}`,
      ),
      'line 5 has 5 fields where the header (line 1) has 3.',
    ],
  ])(
    'refuses a CSV with %s, naming the line DuckDB could not fit (not "no column")',
    async (_, csv, message) => {
      await expectRefused('reviews.csv', csv, message, /as many fields as the header/);
    },
  );

  it('refuses a JSONL file that starts with a byte order mark', async () => {
    await expectRefused(
      'reviews.jsonl',
      `\ufeff${lines(20).join('\n')}`,
      'line 1 starts with a byte order mark (BOM), which JSON Lines does not allow.',
      /without a BOM/,
    );
  });

  it('refuses a malformed JSONL line with its own line number, even past the rows DuckDB samples', async () => {
    const early = lines(20).map((l, i) => (i === 2 ? '{"id": "rev-0003",' : l));
    await expectRefused(
      'reviews.jsonl',
      early.join('\n'),
      /^line 3 is not valid JSON \(.+\)\.$/,
      /Fix the line/,
    );
    const late = [...lines(25_000), '{"id": "late", "text": "x"} trailing'];
    await expectRefused(
      'reviews.jsonl',
      late.join('\n'),
      /^line 25001 is not valid JSON \(.+\)\.$/,
      /Fix the line/,
    );
  });
});

describe('a golden file that is not the text it should be', () => {
  it.each([
    [
      'a NUL byte',
      (l: string[]) => [l[0], `${l[1]}\0`].join('\n'),
      'line 2 holds a NUL byte, which no text has.',
    ],
    [
      'a line that is an array',
      (l: string[]) => [l[0], '[1]'].join('\n'),
      'line 2 is a JSON array, not an object.',
    ],
    [
      'a bad line after blank lines, named by its line in the file',
      (l: string[]) => [l[0], '', '', '{"id": "g-2",'].join('\n'),
      'line 4 is not JSON.',
    ],
  ])('refuses %s, naming the golden file and the line', async (_, golden, message) => {
    const good = GOLDEN.map((g) => JSON.stringify(g));
    const folder = jobFolder(20, {}, { 'golden.jsonl': golden(good) });
    const run = await simRun(folder.dir);
    const running = run.start(folder.job);
    await expect(running).rejects.toMatchObject({ code: 'bad_golden', exitCode: 2 });
    await expect(running).rejects.toThrow(
      `Failed to read golden file ${join(folder.dir, 'golden.jsonl')}: ${message}`,
    );
    expect(await count(run.db, 'SELECT count(*) FROM runs')).toBe(0);
  });
});
