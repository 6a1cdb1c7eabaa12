import { BatchguardError } from '../core/errors.js';
import { type Io, processIo } from './io.js';
import { SERVE_USAGE, serveCommand } from './serve-command.js';

const COMMANDS: Record<string, { usage: string; run: (argv: string[], io: Io) => Promise<number> }> = {
  serve: { usage: SERVE_USAGE, run: serveCommand },
};

const USAGE = ['usage:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');

/**
 * The CLI's entry, and the one place errors are caught: usage and input errors exit 2, a failed
 * drill or halted run 1, anything unexpected 3 (a bug), each with what to do next.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`Unknown command "${name}".`);
    io.err(USAGE);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, command.usage, io);
  }
}

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
