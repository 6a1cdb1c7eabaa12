import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { compileOutputSchema } from '../src/pipeline/gate/compile-schema.js';
import { loadJob } from '../src/pipeline/job/load-job.js';
import { jobFileKeys } from '../src/pipeline/job/starter-files.js';
import { cliInProcess } from './support/cli-in-process.js';

/*
 * `batchguard init --source FILE`, as a new user types it: from a source the project has never
 * seen (support tickets, not reviews) to a job that loads and runs in the simulated world.
 */

const folder = () => mkdtempSync(join(tmpdir(), 'batchguard-init-'));

/** `n` support tickets: a short key, a subject, a long body, a repeated queue name. */
function tickets(n: number): { ticket_id: string; subject: string; body: string; queue: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    ticket_id: `T-${1000 + i}`,
    subject: `Order ${i} question`,
    body: `Hello, my order ${i} arrived ${i % 2 ? 'broken and late, I am unhappy' : 'early and it works great, thanks'}. Please advise on what to do next.`,
    queue: i % 3 ? 'billing' : 'shipping',
  }));
}

const csvOf = (rows: Record<string, string>[]): string =>
  `${Object.keys(rows[0]!).join(',')}\n${rows
    .map((r) =>
      Object.values(r)
        .map((v) => `"${v}"`)
        .join(','),
    )
    .join('\n')}\n`;

const OUTPUTS = ['job.yaml', 'output.schema.json', 'golden.jsonl'];

describe('batchguard init --source FILE', () => {
  it('writes a commented job with every key and control on, a schema and an empty golden file, that runs', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'tickets.csv'), csvOf(tickets(40)));
    const init = await cliInProcess(['init', '--source', 'tickets.csv'], dir);
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    expect(init.stdout).toContain(
      'Read tickets.csv: 40 rows, columns "ticket_id", "subject", "body", "queue".',
    );
    expect(init.stdout).toMatch(/Key column "ticket_id" \(unique and non-empty\); the template fills "body"/);
    expect(init.stdout).toContain('batchguard run job.yaml --seed 1');
    expect(init.stdout).toContain('batchguard gameday --job job.yaml');

    const text = readFileSync(join(dir, 'job.yaml'), 'utf8');
    const raw = YAML.parse(text) as Record<string, unknown>;
    expect(Object.keys(raw)).toEqual(jobFileKeys());
    // Every key has its comment on the line above it.
    const lines = text.split('\n');
    for (const key of jobFileKeys())
      expect(lines[lines.indexOf(lines.find((l) => l.startsWith(`${key}:`))!) - 1]).toMatch(/^# /);
    expect(text).toContain(
      '#   {"ticket_id":"g-1","body":"The words of one row","expected":{"label":"category_a"}}',
    );

    const job = await loadJob(join(dir, 'job.yaml'));
    expect(job).toMatchObject({
      name: 'tickets',
      key: 'ticket_id',
      source: { path: join(dir, 'tickets.csv'), format: 'csv' },
      models: { primary: 'claude-haiku-4-5', escalation: 'claude-sonnet-4-5' },
      canary: { enabled: true },
      golden: { path: join(dir, 'golden.jsonl') },
      fence: true,
      distributionField: 'label',
      quoteFields: ['evidence'],
      thresholds: { holdBelowValidityMin: true },
    });
    expect(job.template).toContain('body: {{body}}');
    expect(readFileSync(join(dir, 'golden.jsonl'), 'utf8')).toBe('');
    // The starter schema compiles, and carries the fields the job checks.
    const validate = compileOutputSchema(job.schema);
    expect(validate({ label: 'category_a', confidence: 0.5, evidence: 'arrived broken' })).toBe(true);
    expect(validate({ label: 'category_a', confidence: 2, evidence: 'x' })).toBe(false);

    // A simulated run teaches the model the job's task: the fresh job runs and promotes, from a CSV
    // the project has never seen, in two commands.
    const run = await cliInProcess(['run', 'job.yaml', '--seed', '3', '--db', 'runs.duckdb'], dir);
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.stdout).toMatch(/: promoted\n/);
    expect(run.status).toBe(0);
    // The ceiling covers the preflight's own worst case.
    const worst = Number(/worst case \$([\d.]+)/.exec(run.stdout)?.[1]);
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(job.costCeilingUsd / 1.5 + 1e-9);
  });

  it('reads a JSONL source, writes into --out with paths relative to the job file, and runs', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'data'));
    const lines = tickets(30).map((t, i) => JSON.stringify({ n: i + 1, ...t, meta: { seen: i } }));
    writeFileSync(join(dir, 'data', 'tickets.jsonl'), `${lines.join('\n')}\n`);
    const init = await cliInProcess(
      [
        'init',
        '--source',
        'data/tickets.jsonl',
        '--out',
        'jobs/triage',
        '--name',
        'triage',
        '--text',
        'subject',
        '--text',
        'body',
      ],
      dir,
    );
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    const text = readFileSync(join(dir, 'jobs/triage/job.yaml'), 'utf8');
    expect(text).toContain('source: ../../data/tickets.jsonl');
    // ticket_id is named like a key; n is a key too, but an unnamed one.
    const job = await loadJob(join(dir, 'jobs/triage/job.yaml'));
    expect(job).toMatchObject({ name: 'triage', key: 'ticket_id', source: { format: 'jsonl' } });
    expect(job.template).toMatch(/subject: \{\{subject\}\}\nbody: \{\{body\}\}\n$/);
    // A golden row written as the job file's comment shows is one the loader takes.
    const example = /^# {3}(\{.*\})$/m.exec(text)?.[1];
    expect(JSON.parse(example!)).toEqual({
      ticket_id: 'g-1',
      subject: 'The words of one row',
      body: 'The words of one row',
      expected: { label: 'category_a' },
    });
    writeFileSync(join(dir, 'jobs/triage/golden.jsonl'), `${example}\n`);
    const run = await cliInProcess(
      ['run', 'jobs/triage/job.yaml', '--seed', '1', '--db', 'runs.duckdb'],
      dir,
    );
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.status).toBe(0);
    // The golden row was sent with the canary and graded.
    expect(run.stdout).toMatch(/, golden \d+\.\d%/);
  });

  it('reads a Parquet source, with --key naming the key', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'tickets.csv'), csvOf(tickets(25)));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(
      `COPY (SELECT row_number() OVER () AS row_no, * FROM read_csv('${join(dir, 'tickets.csv')}', all_varchar = true))
       TO '${join(dir, 'tickets.parquet')}' (FORMAT parquet)`,
    );
    conn.closeSync();
    db.closeSync();
    const init = await cliInProcess(
      ['init', '--source', 'tickets.parquet', '--key', 'row_no', '--out', 'pq'],
      dir,
    );
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    const job = await loadJob(join(dir, 'pq/job.yaml'));
    expect(job).toMatchObject({
      key: 'row_no',
      source: { format: 'parquet', path: join(dir, 'tickets.parquet') },
    });
    expect(job.template).toContain('body: {{body}}');
  });

  it('keeps odd names intact: a source path and columns with spaces, a name with quotes', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'my data'));
    const rows = tickets(12).map((t) => ({
      'Ticket Key': t.ticket_id,
      'Customer Note': t.body,
      yes: t.queue,
    }));
    writeFileSync(join(dir, 'my data', 'export #1.csv'), csvOf(rows));
    const init = await cliInProcess(
      ['init', '--source', 'my data/export #1.csv', '--name', 'say "hi": ops', '--out', '.'],
      dir,
    );
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    const job = await loadJob(join(dir, 'job.yaml'));
    expect(job).toMatchObject({
      name: 'say "hi": ops',
      key: 'Ticket Key',
      source: { path: join(dir, 'my data', 'export #1.csv') },
    });
    expect(job.template).toContain('Customer Note: {{Customer Note}}');
  });

  it('refuses to overwrite any of its files, and then writes none of them', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'tickets.csv'), csvOf(tickets(5)));
    writeFileSync(join(dir, 'golden.jsonl'), '{"mine": true}\n');
    const init = await cliInProcess(['init', '--source', 'tickets.csv'], dir);
    expect(init.status).toBe(2);
    expect(init.stderr).toContain(
      `error: Failed to write the job: ${join(dir, 'golden.jsonl')} already exists, and init never overwrites.`,
    );
    expect(readdirSync(dir).sort()).toEqual(['golden.jsonl', 'tickets.csv']);
    expect(readFileSync(join(dir, 'golden.jsonl'), 'utf8')).toBe('{"mine": true}\n');
  });

  it('refuses a source with no usable key column, naming each column tried and suggesting --key', async () => {
    const dir = folder();
    const rows = tickets(6).map(({ queue }, i) => ({ subject: i % 2 ? 'Late' : 'Broken', queue }));
    writeFileSync(join(dir, 'tickets.csv'), csvOf(rows));
    const init = await cliInProcess(['init', '--source', 'tickets.csv'], dir);
    expect(init.status).toBe(2);
    expect(init.stderr).toContain(
      'error: Failed to pick the key column of tickets.csv: no column is unique and non-empty: "subject" repeats values (2 distinct in 6 rows); "queue" repeats values (2 distinct in 6 rows). Pass --key COLUMN',
    );
    expect(readdirSync(dir)).toEqual(['tickets.csv']);
  });

  it("refuses a source the loader cannot read, with the loader's own message", async () => {
    const dir = folder();
    writeFileSync(join(dir, 'tickets.csv'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]));
    const gzip = await cliInProcess(['init', '--source', 'tickets.csv'], dir);
    expect(gzip.status).toBe(2);
    expect(gzip.stderr).toContain(
      `error: Failed to read source ${join(dir, 'tickets.csv')}: it is gzip-compressed, not CSV text.`,
    );
    writeFileSync(join(dir, 'tickets.jsonl'), '{"id": 1, "text": "a"}\n[1, 2]\n');
    const jsonl = await cliInProcess(['init', '--source', 'tickets.jsonl'], dir);
    expect(jsonl.status).toBe(2);
    expect(jsonl.stderr).toContain('line 2');
    const missing = await cliInProcess(['init', '--source', 'nope.csv'], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('Failed to read source nope.csv: no such file');
    const usage = await cliInProcess(['init'], dir);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain(
      'Failed to start init: --source is missing. Pass --source FILE (the source rows: CSV, JSONL or Parquet).',
    );
    expect(OUTPUTS.some((file) => existsSync(join(dir, file)))).toBe(false);
  });

  it('is listed in batchguard --help', async () => {
    const help = await cliInProcess(['--help'], tmpdir());
    expect(help.stdout).toContain('batchguard init --source FILE [--out DIR]');
  });
});
