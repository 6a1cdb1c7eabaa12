import { BatchguardError } from '../core/errors.js';
import { type Io, processIo } from './io.js';
import { USAGE } from './usage.js';

type Command = (argv: string[], io: Io) => Promise<number>;

/**
 * Commands load lazily, so a live run never loads the simulation (or msw) into its process.
 */
const COMMANDS: Record<string, { usage: string; load: () => Promise<Command> }> = {
  gameday: {
    usage: USAGE.gameday,
    load: async () => (await import('./gameday-command.js')).gamedayCommand,
  },
  drill: {
    usage: USAGE.drill,
    load: async () => (await import('./drill-command.js')).drillCommand,
  },
  run: {
    usage: USAGE.run,
    load: async () => (await import('./run-command.js')).runCommand,
  },
  resume: {
    usage: USAGE.resume,
    load: async () => (await import('./resume-command.js')).resumeCommand,
  },
  halt: {
    usage: USAGE.halt,
    load: async () => (await import('./halt-command.js')).haltCommand,
  },
  assess: {
    usage: USAGE.assess,
    load: async () => (await import('./assess-command.js')).assessCommand,
  },
  rollback: {
    usage: USAGE.rollback,
    load: async () => (await import('./rollback-command.js')).rollbackCommand,
  },
  report: {
    usage: USAGE.report,
    load: async () => (await import('./report-command.js')).reportCommand,
  },
  export: {
    usage: USAGE.export,
    load: async () => (await import('./export-command.js')).exportCommand,
  },
  dataset: {
    usage: USAGE.dataset,
    load: async () => (await import('./dataset-command.js')).datasetCommand,
  },
  init: {
    usage: USAGE.init,
    load: async () => (await import('./init-command.js')).initCommand,
  },
  soak: {
    usage: USAGE.soak,
    load: async () => (await import('./soak-command.js')).soakCommand,
  },
  serve: {
    usage: USAGE.serve,
    load: async () => (await import('./serve-command.js')).serveCommand,
  },
};

const HELP = ['usage:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');

/**
 * The CLI's entry, and the one place errors are caught: usage and input errors exit 2, a halted
 * run or a failed drill 1, anything unexpected 3 (a bug), each with what to do next.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || isHelp(name) || name === 'help') {
    // `batchguard help run` (or `--help run`): that command's usage.
    const asked = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    io.out(asked ? `usage: ${asked.usage}` : HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`Unknown command "${name}".`);
    io.err(HELP);
    return 2;
  }
  // `batchguard run --help`: its usage, as other command-line tools answer, rather than an
  // unknown option (anything after `--` is an argument, not a flag).
  const flags = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (flags.some(isHelp)) {
    io.out(`usage: ${command.usage}`);
    return 0;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    return report(error, command.usage, io);
  }
}

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

function report(error: unknown, usage: string, io: Io): number {
  if (error instanceof BatchguardError) {
    io.err(`error: ${error.message} ${error.hint}`);
    return error.exitCode;
  }
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    const message = (error as Error).message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
    io.err(`error: ${message}. Usage: ${usage}`);
    return 2;
  }
  io.err(`error: an unexpected failure (a bug in batchguard): ${(error as Error)?.stack ?? String(error)}`);
  return 3;
}
