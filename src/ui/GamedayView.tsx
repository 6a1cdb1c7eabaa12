import { Box, type Key, Text, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useRef, useState } from 'react';
import type { Clock } from '../core/clock.js';
import { formatDuration } from '../core/numbers.js';
import type { GamedayEvent } from '../drills/drill-result.js';
import { clampScroll, DrillDetail, detailLines } from './DrillDetail.js';
import { DrillHeading, DrillRow } from './DrillRow.js';
import { cut, drillColumns, visibleWindow } from './drill-columns.js';
import { GamedaySummary, passedLine } from './GamedaySummary.js';
import type { GamedayEventSource } from './gameday-events.js';
import { type GamedayState, gamedayReducer, initialGamedayState, runningDrill } from './gameday-state.js';
import { KeyHelp, keyHelpLines } from './KeyHelp.js';

/*
 * The interactive game day. Over 150 lines because it holds the screen's one piece of state that
 * crosses views (selection, filter, open drill, quitting) and the keys that change it; what each
 * view draws lives in DrillRow, DrillDetail, KeyHelp and GamedaySummary.
 */

/** How often a running drill's time is redrawn, in ms of the session's clock. */
const TICK_MS = 200;

/** A clock that never moves: a view given none shows no live time (the tests of other things). */
const STILL: Clock = { now: () => 0, sleep: () => new Promise(() => {}) };

export interface GamedayViewProps {
  source: GamedayEventSource;
  /** The session's clock: it stamps each event and ticks a running drill's time; its sleep must wait. */
  clock?: Clock;
  /** Each scenario's steady-state hypothesis, one claim a line, for the detail view. */
  hypotheses?: ReadonlyMap<string, readonly string[]>;
  /** Re-run a drill at its seed: the session runs it, and its events come back through `source`. */
  onRerun?: (scenario: string) => void;
  /** The person asked to quit: the session starts no further drill. */
  onQuit?: () => void;
  /** Quit was asked and no drill runs: the last frame is drawn, and the owner may unmount. */
  onExit?: () => void;
}

/** The terminal's size, redrawn on resize; a stream with no size counts as 80 columns, no row limit. */
function useScreen(): { width: number; height: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => ({ width: stdout.columns || 80, height: stdout.rows || Infinity }));
  useEffect(() => {
    const onResize = () => setSize({ width: stdout.columns || 80, height: stdout.rows || Infinity });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** The session's time now, redrawn every TICK_MS while `live`: the loop ends with the drill. */
function useNow(clock: Clock, live: boolean): number {
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    if (!live) return;
    let on = true;
    void (async () => {
      while (on) {
        await clock.sleep(TICK_MS);
        if (on) setNow(clock.now());
      }
    })();
    return () => {
      on = false;
    };
  }, [clock, live]);
  return now;
}

/**
 * What is left of a running game day, at the pace of the drills done so far: the time since it
 * began, per drill done, for each drill not done. A pace rather than the drills' own times, which
 * run side by side (`--parallel`) and overlap. Null until a drill has finished.
 */
function timeLeftMs(state: GamedayState, nowMs: number): number | null {
  const done = state.drills.filter((d) => d.status !== 'pending' && d.status !== 'running').length;
  if (done === 0 || state.startedAt === null) return null;
  const notDone = state.drills.length - done;
  return Math.max(0, ((nowMs - state.startedAt) / done) * notDone);
}

function titleLine(state: GamedayState, nowMs: number): string {
  if (!state.started) return 'batchguard game day';
  const done = state.drills.filter((d) => d.status !== 'pending' && d.status !== 'running').length;
  const left = timeLeftMs(state, nowMs);
  const progress =
    state.elapsedMs !== null
      ? `${state.drills.length} drills in ${formatDuration(state.elapsedMs)}`
      : `${done}/${state.drills.length} done · ${formatDuration(nowMs - (state.startedAt ?? nowMs))}` +
        (left === null ? '' : ` · ~${formatDuration(left)} left`);
  const seed = state.seed === null ? 'scenario seeds' : `seed ${state.seed}`;
  // The job last: a long path is what the screen's width cuts, not the seed that replays the day.
  return `batchguard game day · ${seed} · ${progress}${state.job === null ? '' : ` · ${state.job}`}`;
}

/** The line under the list: what runs now, that the game day is stopping, or how it ended. */
function StatusLine({ state, quitting, width }: { state: GamedayState; quitting: boolean; width: number }) {
  const running = runningDrill(state);
  if (running && quitting)
    return <Text color="yellow">{cut(`stopping once ${running.scenario} ends…`, width)}</Text>;
  if (running) {
    const last = running.tail.at(-1);
    const alarms = `${running.alarms} alarm${running.alarms === 1 ? '' : 's'}`;
    const text = `▶ ${running.scenario}${last ? ` · ${last.step} ${last.kind}` : ''} · ${alarms}`;
    return <Text dimColor>{cut(text, width)}</Text>;
  }
  if (state.results === null) return <Text dimColor>{state.started ? ' ' : 'starting…'}</Text>;
  const failed = state.results.some((r) => r.verdict === 'fail');
  return (
    <Text bold color={failed ? 'red' : 'green'}>
      {cut(passedLine(state.results), width)}
    </Text>
  );
}

/** The game day as it happens, and after: a list of drills to move through, open and re-run. */
export function GamedayView({
  source,
  clock = STILL,
  hypotheses,
  onRerun,
  onQuit,
  onExit,
}: GamedayViewProps) {
  const [state, dispatch] = useReducer(
    (s: GamedayState, a: { event: GamedayEvent; at: number }) => gamedayReducer(s, a.event, a.at),
    initialGamedayState,
  );
  useEffect(() => source.subscribe((event) => dispatch({ event, at: clock.now() })), [source, clock]);
  const running = runningDrill(state);
  const nowMs = useNow(clock, running !== undefined || (state.started && state.results === null));
  const { width, height } = useScreen();
  const [selected, setSelected] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [scroll, setScroll] = useState(0);
  const [onlyFailures, setOnlyFailures] = useState(false);
  const [help, setHelp] = useState(false);
  const [quitting, setQuitting] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const finalFrame = quitting && running === undefined;
  // An effect runs after the commit that drew the last frame, so whoever unmounts here loses nothing.
  useEffect(() => {
    if (finalFrame) onExit?.();
  }, [finalFrame, onExit]);

  // The running drill stays among the failures: a failed drill re-run from there stays in view.
  const shown = onlyFailures
    ? state.drills.filter((d) => d.status === 'fail' || d.status === 'running')
    : state.drills;
  const index = Math.max(
    0,
    shown.findIndex((d) => d.scenario === selected),
  );
  // An open drill is the one that was opened, whatever its status comes to while it is open.
  const row = open ? state.drills.find((d) => d.scenario === selected) : shown[index];
  const hints = keyHelpLines(help, open);
  // One line fewer than the terminal has: Ink erases a frame only while it is shorter than the screen.
  const room = height - 1 - hints.length - (message === null ? 0 : 1);
  const lines = open && row ? detailLines(row, hypotheses?.get(row.scenario) ?? [], width, nowMs) : [];

  // Ink subscribes the handler in an effect, which may run after a key that arrives right after
  // an event: read the latest render's selection and state through a ref, never a stale closure.
  const onKey = useRef<(input: string, key: Key) => void>(() => {});
  // Keys typed faster than the terminal is read (or sent by tmux) arrive as one string: take them
  // one at a time, so that `jjj` moves three rows.
  useInput((input, key) => {
    if (input.length <= 1 || key.ctrl || key.meta) onKey.current(input, key);
    else for (const char of input) onKey.current(char, key);
  });
  onKey.current = (input, key) => {
    setMessage(null);
    if (input === 'q' || (key.ctrl && input === 'c')) {
      if (!quitting) onQuit?.();
      setQuitting(true);
    } else if (input === '?') setHelp((h) => !h);
    else if (input === 'r') {
      // Once the game day has ended, one drill at a time: a re-run beside the game day would
      // share its machine and interleave its events.
      if (!row || !onRerun) return;
      if (state.results === null) setMessage('r re-runs a drill once the game day has ended');
      else if (running) setMessage(`${running.scenario} is still running`);
      else if (!quitting) onRerun(row.scenario);
    } else if (open) {
      if (key.return || key.escape || key.backspace || key.delete) {
        setOpen(false);
        setScroll(0);
      } else if (key.downArrow || input === 'j') setScroll((s) => clampScroll(s + 1, lines.length, room));
      else if (key.upArrow || input === 'k') setScroll((s) => clampScroll(s - 1, lines.length, room));
    } else if (key.downArrow || input === 'j' || key.upArrow || input === 'k') {
      const step = key.downArrow || input === 'j' ? 1 : -1;
      // From the selection as updated so far: several keys may come before the next render.
      setSelected((current) => {
        const at = Math.max(
          0,
          shown.findIndex((d) => d.scenario === current),
        );
        return shown[Math.min(Math.max(0, at + step), shown.length - 1)]?.scenario ?? current;
      });
    } else if (key.return && row) {
      setSelected(row.scenario);
      setOpen(true);
    } else if (input === 'f') setOnlyFailures((f) => !f);
  };

  const title = <Text bold>{cut(titleLine(state, nowMs), width)}</Text>;
  const columns = drillColumns(width, state.drills);
  if (finalFrame)
    return (
      <Box flexDirection="column">
        {title}
        <DrillHeading columns={columns} />
        {state.drills.map((d) => (
          <DrillRow key={d.scenario} row={d} columns={columns} selected={false} nowMs={nowMs} />
        ))}
        {state.results ? (
          <GamedaySummary results={state.results} />
        ) : (
          <Text color="yellow">{`stopped: ${state.drills.filter((d) => d.result).length} of ${state.drills.length} drills ran`}</Text>
        )}
      </Box>
    );

  const footer = (
    <>
      {message !== null && <Text color="yellow">{cut(message, width)}</Text>}
      <KeyHelp lines={hints} width={width} />
    </>
  );
  if (open && row)
    return (
      <Box flexDirection="column">
        <DrillDetail lines={lines} scroll={scroll} height={room} />
        {footer}
      </Box>
    );

  const listRoom = room - 3;
  const { start, end } = visibleWindow(shown.length, index, listRoom);
  const position = shown.length > listRoom ? ` (${start + 1}–${end} of ${shown.length})` : '';
  return (
    <Box flexDirection="column">
      {title}
      {state.drills.length > 0 && <DrillHeading columns={columns} />}
      {shown.slice(start, end).map((d) => (
        <DrillRow key={d.scenario} row={d} columns={columns} selected={d === row} nowMs={nowMs} />
      ))}
      {onlyFailures && shown.length === 0 && (
        <Text dimColor>{cut('no failed drills (f shows all)', width)}</Text>
      )}
      <Box>
        <StatusLine state={state} quitting={quitting} width={width - position.length} />
        <Text dimColor>{position}</Text>
      </Box>
      {footer}
    </Box>
  );
}
