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

describe("formatReport with a job's name that carries markup or terminal control characters", () => {
  const hostile = 'evil<script>alert(1)</script> *bold* [link](http://x) `code` &amp; \\ _u_ ~s~';
  const escapes = 'a\u001b[2J\u001b]0;owned\u0007b\rc\u009b31md\u007fe\u202ef\u0000g';

  it('shows control characters as visible escapes in the table: no escape sequence reaches the terminal', () => {
    const table = formatReport({ runs: [run(escapes)] }, 'table');
    expect(table).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(table).toContain('a\\x1b[2J\\x1b]0;owned\\x07b c\\x9b31md\\x7fe\\u{202e}f\\x00g');
    expect(table.trimEnd().split('\n')).toHaveLength(2);
  });

  it('escapes Markdown and HTML in the Markdown table, and its control characters too', () => {
    const md = formatReport({ runs: [run(hostile), run(escapes)] }, 'md')
      .trimEnd()
      .split('\n');
    expect(md[2]).toContain(
      String.raw`evil&lt;script&gt;alert(1)&lt;/script&gt; \*bold\* \[link\](http://x) \`code\` &amp;amp; \\ \_u\_ \~s\~`,
    );
    expect(md.join('\n')).not.toContain('<');
    expect(md[3]).toContain(String.raw`a\\x1b\[2J`);
    expect(md.join('\n')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('escapes HTML, quotes included, and makes control characters visible', () => {
    const html = formatReport({ runs: [run(`${hostile} "q" 'a'`), run(escapes)] }, 'html');
    expect(html).toContain('<td>evil&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('&#38;amp;');
    expect(html).toContain('&#34;q&#34; &#39;a&#39;');
    expect(html.match(/<script>/g)).toBeNull();
    expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('keeps the raw name in the JSON, with C1 and bidi controls written as \\u escapes', () => {
    const json = formatReport({ runs: [run(escapes)] }, 'json');
    expect(json).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(JSON.parse(json).runs[0].job).toBe(escapes);
  });
});
