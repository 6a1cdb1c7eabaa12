import { describe, expect, it } from 'vitest';
import { capturingIo } from './io.js';
import { main } from './main.js';
import { USAGE } from './usage.js';

async function typed(...argv: string[]) {
  const lines: string[] = [];
  const code = await main(argv, capturingIo(lines));
  return { code, lines };
}

describe('batchguard --help', () => {
  it('lists every command with no command, exit 2, and on --help, exit 0', async () => {
    for (const [argv, code] of [
      [[], 2],
      [['--help'], 0],
      [['-h'], 0],
      [['help'], 0],
    ] as const) {
      const result = await typed(...argv);
      expect(result.code, argv.join(' ')).toBe(code);
      const [first, ...commands] = result.lines.join('\n').split('\n');
      expect(first).toBe('usage:');
      expect(commands.sort()).toEqual(
        Object.values(USAGE)
          .map((u) => `  ${u}`)
          .sort(),
      );
    }
  });

  it.each(Object.keys(USAGE))(
    'prints the usage of %s for `%s --help`, `-h` and `help %s`, exit 0',
    async (name) => {
      const usage = `usage: ${USAGE[name as keyof typeof USAGE]}`;
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
        [name, 'anything', '--help'],
      ]) {
        expect(await typed(...argv), argv.join(' ')).toEqual({ code: 0, lines: [usage] });
      }
    },
  );

  it('takes a --help after `--` as an argument, not a request for help', async () => {
    const result = await typed('halt', '--db', '/nonexistent/runs.duckdb', '--', '--help');
    expect(result.code).toBe(2);
    expect(result.lines.join('\n')).not.toContain('usage: batchguard halt');
  });
});
