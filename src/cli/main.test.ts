import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, COMMANDS } from './commands.js';
import { capturingIo } from './io.js';
import { main } from './main.js';
import { USAGE } from './usage.js';

async function typed(...argv: string[]) {
  const lines: string[] = [];
  const code = await main(argv, capturingIo(lines));
  return { code, lines, text: lines.join('\n') };
}

describe('batchguard --help', () => {
  it('says what each command does, one line each, then its usage: exit 2 with no command, 0 when asked', async () => {
    for (const [argv, code] of [
      [[], 2],
      [['--help'], 0],
      [['-h'], 0],
      [['help'], 0],
    ] as const) {
      const result = await typed(...argv);
      expect(result.code, argv.join(' ')).toBe(code);
      const lines = result.text.split('\n');
      expect(lines[0]).toBe('usage: batchguard COMMAND [ARGUMENT] [OPTIONS]');
      expect(lines).toContain(
        '  gameday   Drill every scenario on a job; exit 0 only if every drill passed.',
      );
      expect(lines).toContain('  export    Write a run’s rows of one disposition to CSV, JSONL or Parquet.');
      for (const name of COMMAND_NAMES) {
        expect(
          lines.filter((line) => line.startsWith(`  ${name.padEnd(8)}  `)),
          name,
        ).toEqual([`  ${name.padEnd(8)}  ${COMMANDS[name].summary}`]);
        expect(lines, name).toContain(`  ${USAGE[name]}`);
      }
      expect(result.text).toContain('batchguard help COMMAND (or COMMAND --help)');
    }
  });

  it.each(COMMAND_NAMES)(
    '%s: `CMD --help`, `-h` and `help CMD` alike print its usage, what it does and each option',
    async (name) => {
      const help = await typed('help', name);
      expect(help.code).toBe(0);
      const lines = help.text.split('\n');
      expect(lines[0]).toBe(`usage: ${USAGE[name]}`);
      expect(lines).toContain(COMMANDS[name].summary);
      for (const flag of Object.keys(COMMANDS[name].options))
        expect(
          lines.filter((line) => line.startsWith(`  --${flag} `) || line === `  --${flag}`),
          flag,
        ).toHaveLength(1);
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        [name, 'anything', '--help'],
      ])
        expect(await typed(...argv), argv.join(' ')).toEqual(help);
    },
  );

  it('puts each option on its own line with its description and the values it takes, within 80 columns', async () => {
    const help = async (name: string) => {
      const { text } = await typed('help', name);
      for (const line of text.split('\n').slice(1)) expect(line.length, line).toBeLessThanOrEqual(80);
      // A description too long for one line goes on under itself: join it back to read it.
      return text.replace(/\n {4,}/g, ' ');
    };
    const exportHelp = await help('export');
    expect(exportHelp).toMatch(
      /^ {2}--rows ROWS +required: which rows: one final disposition, or all; one of: promoted, quarantined, dead_lettered, held, all$/m,
    );
    expect(exportHelp).toMatch(
      /^ {2}--format FORMAT +required: the file format; one of: csv, jsonl, parquet$/m,
    );
    expect(exportHelp).toMatch(/^ {2}--db FILE +the run database \(DuckDB file; default runs\.duckdb\)$/m);
    expect(exportHelp).toMatch(/^ {2}RUN +the run id, as `batchguard report` lists it$/m);
    expect(exportHelp).toContain('columns: key, disposition, reason, custom_id, output, source_row');
    expect(await help('soak')).toMatch(
      /^ {2}--runs N +how many runs; a whole number from 1 to 1000000, default 100$/m,
    );
    expect(await help('dataset')).toMatch(/^ {2}DATASET +the dataset to generate; one of: reviews$/m);
    expect(await help('serve')).toMatch(
      /^ {2}--time-scale N +virtual seconds per real second; a number above 0, at most 1000000, default 60$/m,
    );
    expect(await help('report')).toMatch(/^ {2}--format FORMAT +.*; one of: table, md, json, html, csv$/m);
    for (const name of COMMAND_NAMES) await help(name);
  });

  it('keeps the overview within 80 columns, but for the usage lines it quotes whole', async () => {
    const { text } = await typed('--help');
    const usages = new Set(COMMAND_NAMES.map((name) => `  ${USAGE[name]}`));
    for (const line of text.split('\n'))
      if (!usages.has(line)) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('derives each usage line from the table: the argument, required options bare, enumerated values listed', () => {
    expect(USAGE.export).toBe(
      'batchguard export RUN --rows promoted|quarantined|dead_lettered|held|all --format csv|jsonl|parquet --out FILE [--db FILE]',
    );
    expect(USAGE.assess).toBe('batchguard assess RUN [--batch ID]... [--out FILE] [--db FILE]');
    expect(USAGE.run).toBe(
      'batchguard run JOB.yaml [--seed N] [--scenario FILE] [--live] [--yes] [--db FILE]',
    );
  });

  it('takes a --help after `--` as an argument, not a request for help', async () => {
    const result = await typed('halt', '--db', '/nonexistent/runs.duckdb', '--', '--help');
    expect(result.code).toBe(2);
    expect(result.text).not.toContain('usage: batchguard halt');
  });
});

describe('batchguard --version', () => {
  it.each(['--version', '-V'])('prints the version in package.json for %s, exit 0', async (flag) => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await typed(flag)).toMatchObject({ code: 0, lines: [version] });
  });
});

describe('an unknown command', () => {
  it('is named with the command it is closest to, then the overview, exit 2', async () => {
    const result = await typed('gamday', '--seed', '3');
    expect(result.code).toBe(2);
    expect(result.lines[0]).toBe('Unknown command "gamday". Did you mean gameday?');
    expect(result.text.split('\n')[1]).toBe('usage: batchguard COMMAND [ARGUMENT] [OPTIONS]');
    expect((await typed('--versoin')).lines[0]).toBe('Unknown command "--versoin". Did you mean --version?');
    expect(await typed('help', 'exprot')).toMatchObject({ code: 2 });
    expect((await typed('help', 'exprot')).lines[0]).toBe('Unknown command "exprot". Did you mean export?');
  });

  it('gets no suggestion when nothing is close', async () => {
    const result = await typed('deploy');
    expect(result.code).toBe(2);
    expect(result.lines[0]).toBe('Unknown command "deploy".');
  });
});
