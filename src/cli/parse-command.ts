import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../core/did-you-mean.js';
import { UsageError } from '../core/errors.js';
import { COMMANDS, type CommandName, type CommandSpec } from './commands.js';
import type { Io } from './io.js';
import type { OptionSpec, OptionValues } from './options.js';
import { usageLine } from './usage.js';

type Spec<N extends CommandName> = (typeof COMMANDS)[N];

/** What a command receives: its options' values, checked and typed from the table, and its argument. */
export interface ParsedArgs<N extends CommandName> {
  readonly values: OptionValues<Spec<N>['options']>;
  readonly positional: Spec<N> extends { positional: object } ? string : undefined;
}

/**
 * A command whose body receives its arguments parsed and checked by the table; the returned
 * function takes the raw argv, as main and tests call it. Bad input throws a UsageError (exit 2)
 * before the body runs, so nothing is read, opened or written.
 */
export function withArgs<N extends CommandName>(
  name: N,
  body: (args: ParsedArgs<N>, io: Io) => Promise<number>,
): (argv: string[], io: Io) => Promise<number> {
  return async (argv, io) => body(parseCommand(name, argv), io);
}

/** Parse argv against the command's table entry: unknown options, the argument, each value. */
export function parseCommand<N extends CommandName>(name: N, argv: string[]): ParsedArgs<N> {
  const spec: CommandSpec = COMMANDS[name];
  const usage = `Usage: ${usageLine(name)}`;
  const options: ParseArgsConfig['options'] = {};
  for (const [flag, option] of Object.entries(spec.options))
    options[flag] = {
      type: option.kind === 'boolean' ? 'boolean' : 'string',
      multiple: option.kind === 'string' && option.multiple === true,
    };
  rejectUnknown(argv, options, usage);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // A value missing (`--db` last) or given to a boolean (`--json=yes`): node's words, one line.
    const code = (error as { code?: string }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    const message = (error as Error).message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
    throw new UsageError('bad_flag', `${message}.`, usage);
  }
  const positional = checkPositional(spec, parsed.positionals, usage);
  const values: Record<string, unknown> = {};
  for (const [flag, option] of Object.entries(spec.options))
    values[flag] = checkValue(spec, flag, option, parsed.values[flag], usage);
  return { values, positional } as unknown as ParsedArgs<N>;
}

/** An option the command does not take, named with the nearest one it does (`--seeed` → `--seed`). */
function rejectUnknown(argv: string[], options: ParseArgsConfig['options'], usage: string): void {
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const unknown = tokens.find((token) => token.kind === 'option' && !(token.name in (options ?? {})));
  if (unknown?.kind !== 'option') return;
  const suggestion = didYouMean(unknown.name, Object.keys(options ?? {}), (flag) => `--${flag}`);
  throw new UsageError(
    'unknown_option',
    `Unknown option '${unknown.rawName}'.${suggestion}`,
    suggestion === '' ? `To pass an argument that starts with '-', put it after '--'. ${usage}` : usage,
  );
}

function checkPositional(spec: CommandSpec, given: string[], usage: string): string | undefined {
  const fail = (message: string, hint = usage) =>
    new UsageError('usage', `Failed to ${spec.verb}: ${message}.`, hint);
  const positional = spec.positional;
  if (positional === undefined) {
    if (given.length > 0)
      throw fail(`unexpected argument "${given[0]}"`, spec.strayHint ? `${spec.strayHint} ${usage}` : usage);
    return undefined;
  }
  const allowed = positional.values;
  if (given.length !== 1) {
    const choice =
      allowed === undefined
        ? ''
        : allowed.length === 1
          ? `: the only one is "${allowed[0]}"`
          : `: one of ${allowed.join(', ')}`;
    throw fail(
      `give exactly one ${positional.what}${given.length > 1 ? ` (got ${given.length}: ${given.join(' ')})` : choice}`,
    );
  }
  const value = given[0]!;
  if (allowed !== undefined && !allowed.includes(value))
    throw new UsageError(
      'usage',
      `Failed to ${spec.verb} ${positional.what} "${value}": ${
        allowed.length === 1
          ? `the only ${positional.what} is "${allowed[0]}"`
          : `expected one of ${allowed.join(', ')}`
      }.${didYouMean(value, allowed)}`,
      usage,
    );
  return value;
}

function checkValue(
  spec: CommandSpec,
  flag: string,
  option: OptionSpec,
  raw: string | boolean | (string | boolean)[] | undefined,
  usage: string,
): unknown {
  const required = (option.kind === 'string' || option.kind === 'enum') && option.required === true;
  // `--out ''` names no file: as missing as no --out at all.
  if (raw === undefined || (required && raw === '')) {
    if (required)
      throw new UsageError(
        'usage',
        `Failed to ${spec.verb}: --${flag} is missing${option.kind === 'enum' ? `; expected one of ${option.values.join(', ')}` : ''}.`,
        `Pass --${flag} ${option.kind === 'enum' ? option.example : option.placeholder} (${option.describe}). ${usage}`,
      );
    return option.kind === 'int' || option.kind === 'number' ? option.default : undefined;
  }
  if (option.kind === 'boolean' || option.kind === 'string') return raw;
  const text = String(raw);
  if (option.kind === 'enum') {
    if (option.values.includes(text)) return text;
    const suggestion = didYouMean(text, option.values, (value) => `--${flag} ${value}`);
    throw new UsageError(
      'bad_flag',
      `Invalid --${flag} "${text}": expected one of ${option.values.join(', ')}.`,
      suggestion === '' ? `Pass --${flag} ${option.example}, for example.` : suggestion.trim(),
    );
  }
  const example = option.example ?? option.default ?? option.min;
  const value = Number(text);
  const whole = option.kind === 'int';
  const fits = whole
    ? /^\d+$/.test(text) && value >= option.min && value <= option.max
    : text.trim() !== '' &&
      Number.isFinite(value) &&
      (option.above ? value > option.min : value >= option.min) &&
      value <= option.max;
  if (fits) return value;
  throw new UsageError(
    'bad_flag',
    `Invalid --${flag} "${text}": expected ${
      whole
        ? `a whole number from ${option.min} to ${option.max}`
        : option.above
          ? `a number above ${option.min}, at most ${option.max}`
          : `a number from ${option.min} to ${option.max}`
    }.`,
    `Pass --${flag} ${option.placeholder}, for example --${flag} ${example}.`,
  );
}
