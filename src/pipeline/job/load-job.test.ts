import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINIMAL_JOB_YAML as MINIMAL } from '../../../test/support/job-yaml.js';
import { UsageError } from '../../core/errors.js';
import type { Job } from './job.js';
import { loadJob, parseJob } from './load-job.js';

const dir = mkdtempSync(join(tmpdir(), 'batchguard-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'reviews.csv'), 'id,text\nr1,great\n');
writeFileSync(join(dir, 'golden.jsonl'), '{"id":"g1","text":"great","expected":{"label":"positive"}}\n');
writeFileSync(join(dir, 'out.schema.json'), '{"type":"object","required":["label"]}');
const jobPath = join(dir, 'reviews-job.yaml');

describe('loadJob', () => {
  it('loads a minimal job file and fills in every default', async () => {
    writeFileSync(jobPath, MINIMAL);
    const job = await loadJob(jobPath);
    expect(job).toEqual<Job>({
      name: 'reviews-job',
      path: jobPath,
      source: { path: join(dir, 'reviews.csv'), format: 'csv' },
      key: 'id',
      template: 'Classify: {{text}}',
      schema: { type: 'object' },
      models: { primary: 'claude-haiku-4-5', escalation: null },
      maxTokens: 200,
      costCeilingUsd: 5,
      canary: { enabled: true, fraction: 0.02, minRows: 20 },
      golden: { path: null, baseline: null, minScore: 0.8 },
      thresholds: {
        validityMin: 0.9,
        goldenDropPoints: 3,
        errorRateMax: 0.05,
        labelShareMax: 0.9,
        holdBelowValidityMin: false,
        trend: {
          runs: 3,
          validityDrop: 0.01,
          validitySlope: 0.005,
          escalationRise: 0.05,
          escalationSlope: 0.02,
          goldenDrop: 0.03,
          goldenSlope: 0.015,
        },
      },
      alerts: { webhook: null, page: ['halt', 'drift', 'trend_alarm', 'validity', 'ceiling_refused'] },
      distributionField: 'label',
      quoteFields: ['evidence'],
      fence: true,
      sink: { table: 'record' },
      attempts: 3,
      maxInFlight: 4,
      maxBatchRequests: 100_000,
      pollIntervalSeconds: 60,
      outageWaitMinutes: 60,
      output: { mode: 'text', toolName: 'record_answer' },
    });
  });

  it('reads every key of a complete job file, in long and short forms', () => {
    const job = parseJob(
      `${MINIMAL.replace('source: reviews.csv', 'source: {path: reviews.csv, format: jsonl}')}
name: nightly
models: {primary: claude-haiku-4-5, escalation: claude-sonnet-4-5}
canary: {enabled: false, fraction: 0.5, min_rows: 5}
golden: {path: golden.jsonl, baseline: 0.95, min_score: 0.7}
thresholds: {validity_min: 0.8, golden_drop_points: 5, error_rate_max: 0.1, label_share_max: 0.95, hold_below_validity_min: true}
distribution_field: null
quote_fields: [evidence, reason]
fence: false
sink: {table: reviews_out}
attempts: 10
max_in_flight: 32
max_batch_requests: 1
poll_interval_seconds: 1.5
`.replace(/^models: \{primary: claude-haiku-4-5\}\n/m, ''),
      jobPath,
    );
    expect(job).toMatchObject({
      name: 'nightly',
      source: { format: 'jsonl' },
      models: { escalation: 'claude-sonnet-4-5' },
      canary: { enabled: false, fraction: 0.5, minRows: 5 },
      golden: { path: join(dir, 'golden.jsonl'), baseline: 0.95, minScore: 0.7 },
      thresholds: {
        validityMin: 0.8,
        goldenDropPoints: 5,
        errorRateMax: 0.1,
        labelShareMax: 0.95,
        holdBelowValidityMin: true,
      },
      distributionField: null,
      quoteFields: ['evidence', 'reason'],
      fence: false,
      sink: { table: 'reviews_out' },
      attempts: 10,
      maxInFlight: 32,
      maxBatchRequests: 1,
      pollIntervalSeconds: 1.5,
      outageWaitMinutes: 60,
    });
  });

  it('accepts the shorthands: golden and sink as strings, the schema as a path to a .json file', () => {
    const job = parseJob(
      `${MINIMAL.replace('schema: {type: object}', 'schema: out.schema.json')}golden: golden.jsonl\nsink: staged\n`,
      jobPath,
    );
    expect(job.golden).toEqual({ path: join(dir, 'golden.jsonl'), baseline: null, minScore: 0.8 });
    expect(job.sink).toEqual({ table: 'staged' });
    expect(job.schema).toEqual({ type: 'object', required: ['label'] });
  });

  it('names its own base name when the file has no name key, and resolves paths from its folder', () => {
    const job = parseJob(MINIMAL, join(dir, 'nightly.yml'));
    expect(job.name).toBe('nightly');
    expect(job.source.path).toBe(join(dir, 'reviews.csv'));
  });

  it('takes the source format from the extension, .ndjson as jsonl, or from an explicit format', () => {
    for (const [file, format] of [
      ['rows.jsonl', 'jsonl'],
      ['rows.ndjson', 'jsonl'],
      ['rows.parquet', 'parquet'],
      ['rows.CSV', 'csv'],
    ] as const) {
      writeFileSync(join(dir, file), '');
      expect(parseJob(MINIMAL.replace('reviews.csv', file), jobPath).source.format, file).toBe(format);
    }
    writeFileSync(join(dir, 'rows.txt'), '');
    const explicit = MINIMAL.replace('source: reviews.csv', 'source: {path: rows.txt, format: csv}');
    expect(parseJob(explicit, jobPath).source).toEqual({ path: join(dir, 'rows.txt'), format: 'csv' });
    for (const [format, read] of [
      ['ndjson', 'jsonl'],
      ['jsonl', 'jsonl'],
      ['parquet', 'parquet'],
    ] as const) {
      const given = MINIMAL.replace('source: reviews.csv', `source: {path: rows.txt, format: ${format}}`);
      expect(parseJob(given, jobPath).source.format, format).toBe(read);
    }
    expect(problemsOf(MINIMAL.replace('reviews.csv', 'rows.txt'))).toEqual([
      'source.path: cannot tell the format of rows.txt: use .csv, .jsonl, .ndjson or .parquet, or add format: csv',
    ]);
  });

  it('compiles an output schema that declares draft 2020-12', () => {
    const schema = `schema: {$schema: "https://json-schema.org/draft/2020-12/schema", type: object}`;
    expect(parseJob(MINIMAL.replace('schema: {type: object}', schema), jobPath).schema.type).toBe('object');
  });

  it('refuses a missing job file, naming its path', async () => {
    const missing = join(dir, 'nope.yaml');
    await expect(loadJob(missing)).rejects.toThrow(`Failed to read job ${missing}: no such file`);
    await expect(loadJob(missing)).rejects.toMatchObject({
      code: 'job_not_found',
      exitCode: 2,
      hint: 'Check the path of the job file; relative paths start from the current folder.',
    });
  });

  it('refuses a job path it cannot read for another reason, naming the reason', async () => {
    await expect(loadJob(dir)).rejects.toMatchObject({
      code: 'bad_job',
      exitCode: 2,
      message: `Failed to read job ${dir}: EISDIR.`,
      hint: 'Fix the job file and run again.',
    });
  });
});

/** The problem lines of the one UsageError a job text gets, or a failure if it loads. */
function problemsOf(text: string): string[] {
  let caught: unknown;
  try {
    parseJob(text, jobPath);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UsageError);
  const error = caught as UsageError;
  expect(error).toMatchObject({ code: 'bad_job', hint: 'Fix the job file and run again.' });
  const [head, ...lines] = error.message.split('\n');
  expect(head).toBe(
    `Failed to load job ${jobPath}: ${lines.length} problem${lines.length === 1 ? '' : 's'}.`,
  );
  return lines.map((line) => line.replace(/^ {2}- /, ''));
}

describe('loadJob refuses a bad job file with one error listing every problem', () => {
  it('lists each missing required key; a missing ceiling says why it matters', () => {
    const problems = [
      'source: is required',
      'key: is required',
      'template: is required',
      'schema: is required',
      'models: is required',
      'max_tokens: is required',
      'cost_ceiling_usd: is required: live mode refuses to launch a job without a spend limit (USD)',
    ];
    expect(problemsOf('name: bare\n')).toEqual(problems);
    expect(problemsOf('')).toEqual(problems);
  });

  it('names unknown keys at any depth, suggesting the key that was meant', () => {
    const text = MINIMAL.replace('max_tokens', 'max_token').replace('claude-haiku-4-5}', 'x, escalaton: y}');
    expect(problemsOf(`${text}colour: blue\n`)).toEqual([
      'models.escalaton: unknown key (did you mean escalation?)',
      'max_tokens: is required',
      'max_token: unknown key (did you mean max_tokens?)',
      'colour: unknown key',
    ]);
  });

  it('reports wrong types and out-of-range values with their paths', () => {
    const text = `${MINIMAL.replace('key: id', 'key: [id]').replace('cost_ceiling_usd: 5', 'cost_ceiling_usd: 0')}
canary: {fraction: 0.7, min_rows: 1.5}
thresholds: {validity_min: 2}
quote_fields: [evidence, 3]
fence: "yes"
sink: 1bad
attempts: "3"
max_in_flight: 33
max_batch_requests: 100001
poll_interval_seconds: 0
`;
    expect(problemsOf(text)).toEqual([
      'key: must be text, not a list',
      'cost_ceiling_usd: must be above 0',
      'canary.fraction: must be at most 0.5',
      'canary.min_rows: must be a whole number, not 1.5',
      'thresholds.validity_min: must be at most 1',
      'quote_fields[1]: must be text, not 3',
      'fence: must be true or false, not "yes"',
      'sink.table: must be a SQL identifier: a letter or _, then up to 62 letters, digits or _',
      'attempts: must be a number, not "3" (write it without quotes)',
      'max_in_flight: must be at most 32',
      'max_batch_requests: must be at most 100000',
      'poll_interval_seconds: must be at least 1',
    ]);
  });

  it('accepts a sink table only as a whole SQL identifier, since it is written into SQL', () => {
    const sink = (table: string) => `${MINIMAL}sink: ${JSON.stringify(table)}\n`;
    const rule = 'sink.table: must be a SQL identifier: a letter or _, then up to 62 letters, digits or _';
    expect(parseJob(sink(`_${'a'.repeat(62)}`), jobPath).sink.table).toHaveLength(63);
    for (const table of ['record; DROP TABLE runs', 'record x', `_${'a'.repeat(63)}`, ''])
      expect(problemsOf(sink(table)), table).toEqual([rule]);
  });

  it("refuses a sink named like one of batchguard's own tables or a reserved word, in any case", () => {
    const sink = (table: string) => `${MINIMAL}sink: ${table}\n`;
    for (const table of ['runs', 'Metrics', 'queue', 'rb'])
      expect(problemsOf(sink(table)), table).toEqual([
        `sink.table: "${table}" is one of batchguard's own tables in the run database: choose another name`,
      ]);
    for (const table of ['order', 'SELECT', 'group'])
      expect(problemsOf(sink(table)), table).toEqual([
        `sink.table: "${table}" is a reserved word in SQL: choose another name`,
      ]);
    // Words DuckDB does not reserve are names like any other.
    for (const table of ['year', 'records', 'run_results'])
      expect(parseJob(sink(table), jobPath).sink.table).toBe(table);
  });

  it('bounds attempts at 10, and takes any non-empty distribution field', () => {
    expect(parseJob(`${MINIMAL}attempts: 10\ndistribution_field: sentiment\n`, jobPath)).toMatchObject({
      attempts: 10,
      distributionField: 'sentiment',
    });
    expect(problemsOf(`${MINIMAL}attempts: 11\n`)).toEqual(['attempts: must be at most 10']);
  });

  it('refuses a schema file that is not JSON, with the parser’s reason', () => {
    writeFileSync(join(dir, 'broken.json'), '{"type": ');
    const [problem] = problemsOf(MINIMAL.replace('{type: object}', 'broken.json'));
    expect(problem).toMatch(new RegExp(`^schema: ${join(dir, 'broken.json')} is not valid JSON: .+`));
  });

  it('refuses a schema file that holds JSON other than an object', () => {
    for (const content of ['"text"', 'null', '[1]']) {
      writeFileSync(join(dir, 'not-object.json'), content);
      expect(problemsOf(MINIMAL.replace('{type: object}', 'not-object.json')), content).toEqual([
        'schema: must be a JSON Schema object, or the path of a .json file holding one',
      ]);
    }
  });

  it('refuses an output schema that does not compile, with ajv’s reason', () => {
    const [problem] = problemsOf(MINIMAL.replace('{type: object}', "{type: 'nope'}"));
    expect(problem).toMatch(
      /^schema: does not compile: schema is invalid: data\/type must be equal to one of/,
    );
    // Compiled as strictly as the output gate will: a misspelt keyword would let every answer through.
    expect(
      problemsOf(MINIMAL.replace('{type: object}', '{type: object, properties: {score: {maximun: 1}}}'))[0],
    ).toMatch(/^schema: does not compile: .*unknown keyword: "maximun"/);
    expect(problemsOf(MINIMAL.replace('{type: object}', '[1, 2]'))).toEqual([
      'schema: must be a JSON Schema object, or the path of a .json file holding one',
    ]);
  });

  it('refuses source, golden and schema files that do not exist, and a template without placeholders', () => {
    const text = MINIMAL.replace('reviews.csv', 'gone.csv')
      .replace('{type: object}', 'gone.json')
      .replace('"Classify: {{text}}"', '"Classify: {text}"');
    expect(problemsOf(`${text}golden: gone.jsonl\n`)).toEqual([
      `source.path: source file not found: ${join(dir, 'gone.csv')}`,
      'template: must contain at least one {{column}} placeholder',
      `schema: schema file not found: ${join(dir, 'gone.json')}`,
      `golden.path: golden file not found: ${join(dir, 'gone.jsonl')}`,
    ]);
  });

  it('refuses a file that is not a mapping of keys', () => {
    expect(problemsOf('- source\n- key\n')).toEqual(['job file: must be a mapping of keys, not a list']);
  });

  it('refuses YAML that does not parse, naming the line', () => {
    expect(() => parseJob('source: a.csv\nmodels: [one, two\nkey: id\n', jobPath)).toThrow(
      new UsageError(
        'bad_job',
        `Failed to parse job ${jobPath}: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ].`,
        'Fix the YAML at that line and run again.',
      ),
    );
  });

  it('refuses a key given twice', () => {
    expect(() => parseJob(`${MINIMAL}key: other\n`, jobPath)).toThrow(
      /Failed to parse job .*: line \d+, column \d+: Map keys must be unique/,
    );
  });
});
