#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx batchguard` works right after
// `npm install` with no build step.
import { register } from 'tsx/esm/api';

// A reader that stops early (`batchguard gameday | head`) closes the pipe: stop quietly, as
// other command-line tools do, rather than dying on EPIPE with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
