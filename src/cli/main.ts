import { didYouMean } from '../core/did-you-mean.js';
import { BatchguardError } from '../core/errors.js';
import { COMMAND_NAMES, type CommandName } from './commands.js';
import { commandHelp, overviewHelp, version } from './help.js';
import { type Io, processIo } from './io.js';

type Command = (argv: string[], io: Io) => Promise<number>;

/**
 * Commands load lazily, so a live run never loads the simulation (or msw) into its process; their
 * arguments and options are declared in commands.ts, which `--help` reads without loading any.
 */
const LOADERS: Record<CommandName, () => Promise<Command>> = {
  gameday: async () => (await import('./gameday-command.js')).gamedayCommand,
  drill: async () => (await import('./drill-command.js')).drillCommand,
  run: async () => (await import('./run-command.js')).runCommand,
  resume: async () => (await import('./resume-command.js')).resumeCommand,
  halt: async () => (await import('./halt-command.js')).haltCommand,
  assess: async () => (await import('./assess-command.js')).assessCommand,
  rollback: async () => (await import('./rollback-command.js')).rollbackCommand,
  report: async () => (await import('./report-command.js')).reportCommand,
  export: async () => (await import('./export-command.js')).exportCommand,
  dataset: async () => (await import('./dataset-command.js')).datasetCommand,
  init: async () => (await import('./init-command.js')).initCommand,
  soak: async () => (await import('./soak-command.js')).soakCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(LOADERS, name);

/**
 * The CLI's entry, and the one place errors are caught: usage and input errors exit 2, a halted
 * run or a failed drill 1, anything unexpected 3 (a bug), each with what to do next.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.out(version());
    return 0;
  }
  if (name === undefined || isHelp(name) || name === 'help') return help(name, rest[0], io);
  if (!isCommand(name)) {
    const words = [...COMMAND_NAMES, 'help', '--help', '--version'];
    io.err(`Unknown command "${name}".${didYouMean(name, words)}`);
    io.err(overviewHelp());
    return 2;
  }
  // `batchguard run --help`: its help, as other command-line tools answer, rather than an
  // unknown option (anything after `--` is an argument, not a flag).
  const flags = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (flags.some(isHelp)) {
    io.out(commandHelp(name));
    return 0;
  }
  try {
    return await (await LOADERS[name]())(rest, io);
  } catch (error) {
    return report(error, io);
  }
}

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

/** `batchguard`, `--help`, `help`, `help CMD`: the overview (exit 2 when nothing was asked) or one command's help. */
function help(name: string | undefined, asked: string | undefined, io: Io): number {
  if (asked === undefined) {
    io.out(overviewHelp());
    return name === undefined ? 2 : 0;
  }
  if (isCommand(asked)) {
    io.out(commandHelp(asked));
    return 0;
  }
  io.err(`Unknown command "${asked}".${didYouMean(asked, COMMAND_NAMES)}`);
  io.err(overviewHelp());
  return 2;
}

function report(error: unknown, io: Io): number {
  if (error instanceof BatchguardError) {
    io.err(`error: ${error.message} ${error.hint}`);
    return error.exitCode;
  }
  io.err(`error: an unexpected failure (a bug in batchguard): ${(error as Error)?.stack ?? String(error)}`);
  return 3;
}
