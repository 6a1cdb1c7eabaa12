import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runDrillSession } from '../src/cli/drill-session.js';
import { capturingIo } from '../src/cli/io.js';
import type { GamedayEvent } from '../src/drills/drill-result.js';
import { loadScenarios } from '../src/drills/gameday.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { ROOT } from './source-files.js';
import { keyboard, recordingStdout } from './support/fake-terminal.js';

/*
 * `batchguard gameday` on a terminal, as a person drives it: the session with its Ink UI on a fake
 * terminal, keys pressed while the drills run and after. Progress is read from the events the UI
 * is told, not its frames: under CI, Ink draws only its last frame.
 */

/** In the order a game day runs them: by file name. */
const PICKED = ['cost-runaway', 'poisoned-template-wrong-column', 'poisoned-template'];

async function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-ui-gameday-'));
  mkdirSync(join(dir, 'scenarios'));
  for (const name of PICKED)
    copyFileSync(join(ROOT, 'scenarios', `${name}.yaml`), join(dir, 'scenarios', `${name}.yaml`));
  return { dir, scenarios: await loadScenarios(join(dir, 'scenarios')) };
}

/** Starts the game day with its UI on a fake terminal; `events` fills as the UI is told them. */
async function gameday() {
  const { dir, scenarios } = await scratch();
  const screen = recordingStdout(80, 30);
  const keys = keyboard();
  const lines: string[] = [];
  const events: GamedayEvent[] = [];
  const db = join(dir, 'gd.duckdb');
  const junit = join(dir, 'gd.xml');
  const session = runDrillSession(
    scenarios,
    {
      json: false,
      db,
      junit,
      ui: true,
      terminal: { stdout: screen.stdout, stdin: keys.stdin },
      onUiEvent: (e) => events.push(e),
    },
    capturingIo(lines),
  );
  /** Presses `key` every 50 ms until `until` holds: the UI may not be taking keys yet. */
  const pressUntil = async (key: string, until: () => boolean) => {
    await vi.waitFor(
      () => {
        if (!until()) keys.press(key);
        expect(until()).toBe(true);
      },
      { timeout: 60_000, interval: 50 },
    );
  };
  return { session, screen, lines, events, db, junit, pressUntil };
}

async function storedDrills(path: string): Promise<{ scenario: string; logged: number }[]> {
  const db = await RunDb.open(path);
  try {
    return await db.all(
      'SELECT d.scenario, (SELECT count(*) FROM drill_log l WHERE l.gameday_id = d.gameday_id AND l.scenario = d.scenario)::INTEGER AS logged FROM drills d ORDER BY position',
    );
  } finally {
    db.close();
  }
}

describe('the interactive game day', () => {
  it('stops after the running drill on q, with that drill stored whole and the rest not run', async () => {
    const { session, lines, events, db, junit, pressUntil } = await gameday();
    let done = false;
    void session.finally(() => {
      done = true;
    });
    await vi.waitFor(() => expect(events.some((e) => e.type === 'drill_started')).toBe(true), {
      timeout: 60_000,
    });
    await pressUntil('q', () => done);
    const code = await session;
    const ran = events.filter((e) => e.type === 'drill_finished').length;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(PICKED.length);
    expect(events.some((e) => e.type === 'gameday_finished')).toBe(false);
    expect(code).toBe(0);
    expect(lines.at(-2)).toMatch(
      new RegExp(
        `^game day stopped \\(q\\) after ${ran} of 3 drills: ${ran} of ${ran} drills passed; verdicts stored as gd-0001 in `,
      ),
    );
    const stored = await storedDrills(db);
    expect(stored.map((d) => d.scenario)).toEqual(PICKED.slice(0, ran));
    for (const d of stored) expect(d.logged).toBeGreaterThan(0);
    expect(readFileSync(junit, 'utf8')).toContain(`tests="${ran}"`);
  }, 120_000);

  it('stays up after the last drill, re-runs the selected drill at its seed on r without storing it, and quits on q', async () => {
    const { session, screen, lines, events, db, junit, pressUntil } = await gameday();
    await vi.waitFor(() => expect(events.some((e) => e.type === 'gameday_finished')).toBe(true), {
      timeout: 60_000,
    });
    const afterDay = () => events.slice(events.findIndex((e) => e.type === 'gameday_finished') + 1);
    // The first drill is selected; r is taken once the UI has seen the game day end.
    await pressUntil('r', () => afterDay().some((e) => e.type === 'drill_started'));
    await vi.waitFor(() => expect(afterDay().some((e) => e.type === 'drill_finished')).toBe(true), {
      timeout: 60_000,
    });
    let done = false;
    void session.finally(() => {
      done = true;
    });
    await pressUntil('q', () => done);
    expect(await session).toBe(0);

    const rerun = afterDay().filter((e) => e.type === 'drill_started' || e.type === 'drill_finished');
    expect(
      rerun.map((e) => [e.type, e.type === 'drill_started' || e.type === 'drill_finished' ? e.scenario : '']),
    ).toEqual([
      ['drill_started', 'cost-runaway'],
      ['drill_finished', 'cost-runaway'],
    ]);
    // A drill is a function of its seed: the re-run's verdict is the game day's, word for word.
    const first = events.find((e) => e.type === 'drill_finished' && e.scenario === 'cost-runaway');
    expect(rerun[1]).toMatchObject({
      result: (first as Extract<GamedayEvent, { type: 'drill_finished' }>).result,
    });

    expect((await storedDrills(db)).map((d) => d.scenario)).toEqual(PICKED);
    expect(lines.at(-2)).toMatch(/^3 of 3 drills passed; verdicts stored as gd-0001 in /);
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase [^>]* time="\d+\.\d{3}">/g)).toHaveLength(3);
    // The frame left on the screen: every drill, and the summary.
    expect(screen.text()).toContain('3/3 drills passed');
    for (const name of PICKED) expect(screen.text()).toContain(name);
  }, 120_000);
});
