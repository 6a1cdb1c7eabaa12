#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx batchguard` works right after
// `npm install` with no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// A reader that stops early (`batchguard gameday | head`) closes the pipe: stop quietly, as
// other command-line tools do, rather than dying on EPIPE with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Ctrl-C, SIGTERM, or the terminal closing: a command that waits for the signal (serve) stops on
// its own; any other ends here with the shell's code for it (128 + the signal's number), through
// process.exit so that the 'exit' handlers run: a simulated world's results folder is removed,
// not left in the temp folder. A second Ctrl-C while serve stops ends it at once.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(code);
  });
}

// The project's own tsconfig, wherever the command is typed: tsx would otherwise look in the
// working folder, and a team's folder has none (the Ink UI's JSX needs `jsx: react-jsx`).
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
