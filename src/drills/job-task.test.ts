import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobTask } from './job-task.js';

/*
 * What a simulated run tells the world of its job: the schema, the quote fields, and each golden
 * row's values as the job's own template renders them (its placeholders' columns only), with the
 * expected answer. Golden lines the pipeline would refuse are left for the pipeline to refuse.
 */

describe('jobTask', () => {
  it("gives the world the job's schema, quote fields and golden rows as the template renders them", () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-job-task-'));
    const golden = join(dir, 'golden.jsonl');
    writeFileSync(
      golden,
      [
        JSON.stringify({ id: 'g1', subject: 'Printer', body: 'It jams', n: 3, expected: { label: 'hw' } }),
        '',
        'not json',
        JSON.stringify({ id: 'g2', subject: 'Login', body: null, expected: { label: 'auth' } }),
        JSON.stringify({ id: 'g3', subject: 'VPN', body: 'Drops', expected: 'auth' }),
        JSON.stringify({
          id: 'g4',
          subject: 'Mail',
          body: { lines: ['a', 'b'] },
          expected: { label: 'mail' },
        }),
      ].join('\n'),
    );
    const schema = { type: 'object', properties: { label: { enum: ['hw', 'auth', 'mail'] } } };
    const task = jobTask({
      schema,
      template: 'Route it.\nSubject: {{subject}}\nBody: {{ body }}\nAgain: {{subject}}',
      golden: { path: golden, baseline: null, minScore: 0.8 },
      quoteFields: ['evidence'],
    });
    expect(task.schema).toBe(schema);
    expect(task.quoteFields).toEqual(['evidence']);
    expect(task.golden).toEqual([
      { values: { subject: 'Printer', body: 'It jams' }, expected: { label: 'hw' } },
      { values: { subject: 'Mail', body: '{"lines":["a","b"]}' }, expected: { label: 'mail' } },
    ]);
  });

  it('has no golden rows for a job without a golden set', () => {
    const task = jobTask({
      schema: {},
      template: '{{text}}',
      golden: { path: null, baseline: null, minScore: 0.8 },
      quoteFields: [],
    });
    expect(task.golden).toEqual([]);
  });
});
