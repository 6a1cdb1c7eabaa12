import { describe, expect, it } from 'vitest';
import { formatReport } from './format-report.js';
import type { RunReport } from './run-report.js';

const run = (job: string): RunReport => ({
  run_id: 'run-1',
  job,
  status: 'promoted',
  mode: 'simulation',
  seed: 1,
  counts: null,
  metrics: null,
  trend: null,
});

describe('formatReport', () => {
  it("keeps every run on one row whatever its job's name holds: a pipe, a line break, markup", () => {
    const report = { runs: [run('a|b\nc'), run('<b>x</b>')] };
    const md = formatReport(report, 'md').trimEnd().split('\n');
    expect(md).toHaveLength(4);
    expect(md[2]).toMatch(/^\| run-1 \| a\\\|b c \| promoted \|/);
    expect(md[2]!.split(/(?<!\\)\|/)).toHaveLength(md[0]!.split('|').length);
    const table = formatReport(report, 'table').trimEnd().split('\n');
    expect(table).toHaveLength(3);
    expect(table[1]).toContain('a|b c');
    const html = formatReport(report, 'html');
    expect(html).toContain('<td>&#60;b&#62;x&#60;/b&#62;</td>');
    expect(html).not.toContain('<b>');
  });
});
