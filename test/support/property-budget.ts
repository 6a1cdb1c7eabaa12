import fc from 'fast-check';
import { expect } from 'vitest';

/** `npm run test:deep` sets this: ten times the runs of every property. */
export const DEEP = process.env.BATCHGUARD_DEEP === '1';
/**
 * A fixed number of runs for every property, whatever its own budget: mutation testing sets a
 * few (each surviving mutant runs every test that reaches it), a debugging session may set one.
 */
const RUNS = process.env.BATCHGUARD_RUNS ? Number(process.env.BATCHGUARD_RUNS) : null;

/** A property test's own timeout, for `ms` at its usual budget: ten times as long under test:deep. */
export const propertyTimeout = (ms: number): number => (DEEP ? ms * 10 : ms);

/**
 * Check an async property with this suite's budget: `runs` cases (ten times as many under
 * test:deep), from a seed that is printed first. A failure shows fast-check's shrunk
 * counterexample with its `{ seed, path }`, and the command that replays exactly it:
 * `FC_SEED=… FC_PATH=… npx vitest run <file> -t '<test>'` (FC_SEED alone replays the whole
 * sequence; a command sequence adds its FC_REPLAY_PATH; -t names the test, since a path replays
 * one property's arbitrary and a file may hold several).
 */
export async function checkProperty<T>(
  name: string,
  file: string,
  property: fc.IAsyncProperty<T>,
  runs: number,
): Promise<void> {
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
  const path = process.env.FC_PATH;
  const numRuns = path ? 1 : (RUNS ?? (DEEP ? runs * 10 : runs));
  console.log(`[property] ${name}: seed ${seed}, ${numRuns} runs`);
  const details = await fc.check(property, { seed, path, numRuns });
  if (!details.failed) return;
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const report = fc.defaultReportMessage(details) ?? '';
  // A command sequence (fc.commands) also needs its own replay path to come back shrunk.
  const commands = /replayPath="([^"]*)"/.exec(report)?.[1];
  const replayCommands = commands === undefined ? '' : ` FC_REPLAY_PATH='${commands}'`;
  throw new Error(
    `${report}\n${cause}\n` +
      `replay: FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath}${replayCommands} npx vitest run ${file}${testFilter()}`,
  );
}

/** ` -t '<the running test's title>'` as a regular expression, or '' outside a test. */
function testFilter(): string {
  const title = expect.getState().currentTestName?.split(' > ').at(-1);
  if (!title) return '';
  return ` -t '${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll("'", "'\\''")}'`;
}
