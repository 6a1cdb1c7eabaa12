import { COMMAND_NAMES, COMMANDS, type CommandName } from './commands.js';
import type { OptionSpec } from './options.js';

/** How an option's value is shown: its allowed words for an enumerated one, else its placeholder. */
export function valueText(option: OptionSpec): string {
  if (option.kind === 'boolean') return '';
  return option.kind === 'enum' ? option.values.join('|') : option.placeholder;
}

/** A command's usage line, from its table entry: the argument, required options, then the rest. */
export function usageLine(name: CommandName): string {
  const spec = COMMANDS[name];
  const words = [`batchguard ${name}`];
  if ('positional' in spec) words.push(spec.positional.name);
  for (const [flag, option] of Object.entries(spec.options) as [string, OptionSpec][]) {
    const value = valueText(option);
    const text = value === '' ? `--${flag}` : `--${flag} ${value}`;
    const required = (option.kind === 'string' || option.kind === 'enum') && option.required === true;
    const multiple = option.kind === 'string' && option.multiple === true;
    words.push(required ? text : `[${text}]${multiple ? '...' : ''}`);
  }
  return words.join(' ');
}

/**
 * Each command's usage line, in one place: `--help` prints them without loading any command,
 * and each command quotes its own in its errors. Derived from the table in commands.ts.
 */
export const USAGE = Object.fromEntries(COMMAND_NAMES.map((name) => [name, usageLine(name)])) as Readonly<
  Record<CommandName, string>
>;
