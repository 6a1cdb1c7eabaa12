import { readFileSync } from 'node:fs';
import { COMMAND_NAMES, COMMANDS, type CommandName } from './commands.js';
import type { OptionSpec } from './options.js';
import { USAGE, valueText } from './usage.js';

/** The version in package.json, read when asked, so `--version` never disagrees with it. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** `batchguard --help`: what each command does, one line each, then every usage line. */
export function overviewHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((name) => name.length));
  return [
    'usage: batchguard COMMAND [ARGUMENT] [OPTIONS]',
    '',
    'commands:',
    ...COMMAND_NAMES.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name].summary}`),
    '',
    'usage of each:',
    ...COMMAND_NAMES.map((name) => `  ${USAGE[name]}`),
    '',
    'batchguard help COMMAND (or COMMAND --help): its options and their values; batchguard --version: the version.',
  ].join('\n');
}

/** `batchguard help CMD`: its usage, what it does, then its argument and each option on a line. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name];
  const rows: [string, string][] = [];
  if ('positional' in spec) {
    const { positional } = spec;
    const values = 'values' in positional ? `; one of: ${positional.values.join(', ')}` : '';
    rows.push([positional.name, `${positional.describe}${values}`]);
  }
  for (const [flag, option] of Object.entries(spec.options) as [string, OptionSpec][]) {
    const value =
      option.kind === 'boolean' ? '' : ` ${option.kind === 'enum' ? option.placeholder : valueText(option)}`;
    rows.push([`--${flag}${value}`, `${option.describe}${detail(option)}`]);
  }
  rows.push(['-h, --help', 'print this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: ${USAGE[name]}`,
    '',
    spec.summary,
    '',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    ...('notes' in spec ? ['', ...spec.notes] : []),
  ].join('\n');
}

/** What the parser will accept, said after the option's description. */
function detail(option: OptionSpec): string {
  switch (option.kind) {
    case 'enum':
      return `; one of: ${option.values.join(', ')}${option.required ? ' (required)' : ''}`;
    case 'int':
      return `; a whole number from ${option.min} to ${option.max}${option.default === undefined ? '' : `, default ${option.default}`}`;
    case 'number':
      return `; a number ${option.above ? `above ${option.min}, at most` : `from ${option.min} to`} ${option.max}${option.default === undefined ? '' : `, default ${option.default}`}`;
    case 'string':
      return option.required ? ' (required)' : '';
    default:
      return '';
  }
}
