import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from './support/cli-in-process.js';

/*
 * Drills of a job answering through a forced tool call: the drill's checkers read the world's
 * answer from the tool_use block's input (not from a text block the reply no longer has), so the
 * promoted rows hold `mapping` and drifted calls are quarantined as injected. (All sixteen shipped
 * scenarios pass in tool mode; one is run here, for the time npm test has.)
 */

const dir = mkdtempSync(join(tmpdir(), 'batchguard-drill-tool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A shipped scenario with `job: {output: {mode: tool}}` added, written into the temp folder. */
function toolScenario(name: string): string {
  const text = readFileSync(resolve('scenarios', `${name}.yaml`), 'utf8');
  expect(text).not.toMatch(/^job:/m);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `${text.replace(/^expect:/m, 'job:\n  output: {mode: tool}\nexpect:')}`);
  return path;
}

describe('drills on a job in tool mode', () => {
  it.each(['schema-drift'])('%s passes, mapping held', async (name) => {
    const run = await cliInProcess(['drill', toolScenario(name), '--json', '--db', `${name}.duckdb`], dir, {
      CI: 'true',
    });
    const [drill] = JSON.parse(run.stdout).drills;
    expect(run.status, run.stdout).toBe(0);
    expect(drill).toMatchObject({ verdict: 'pass', invariants_held: true, run_status: 'promoted' });
    expect(drill.reasons.join(' ')).toMatch(/held: .*\bmapping\b/);
  });
});
