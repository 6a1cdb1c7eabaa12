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
    'batchguard help COMMAND (or COMMAND --help): its options and their values.',
    'batchguard --version: the version.',
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
    const required = (option.kind === 'string' || option.kind === 'enum') && option.required === true;
    rows.push([`--${flag}${value}`, `${required ? 'required: ' : ''}${option.describe}${detail(option)}`]);
  }
  rows.push(['-h, --help', 'print this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: ${USAGE[name]}`,
    '',
    spec.summary,
    '',
    ...rows.flatMap(([left, right]) =>
      wrap(right, COLUMNS - width - 4).map((line, i) =>
        `  ${(i === 0 ? left : '').padEnd(width)}  ${line}`.trimEnd(),
      ),
    ),
    ...('notes' in spec ? ['', ...spec.notes] : []),
  ].join('\n');
}

/** Help fits a terminal of this many columns; only usage lines, copied whole, may be longer. */
const COLUMNS = 80;

/** Words into lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** What the parser will accept, said after the option's description. */
function detail(option: OptionSpec): string {
  switch (option.kind) {
    case 'enum':
      return `; one of: ${option.values.join(', ')}`;
    case 'int':
      return `; a whole number from ${option.min} to ${option.max}${option.default === undefined ? '' : `, default ${option.default}`}`;
    case 'number':
      return `; a number ${option.above ? `above ${option.min}, at most` : `from ${option.min} to`} ${option.max}${option.default === undefined ? '' : `, default ${option.default}`}`;
    default:
      return '';
  }
}
