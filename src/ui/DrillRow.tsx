import { Text } from 'ink';
import { formatDuration } from '../core/numbers.js';
import { COLUMN_LABELS, cell, cut, type DrillColumns } from './drill-columns.js';
import type { DrillRowState, DrillStatus } from './gameday-state.js';

// No spinner for a running drill: its ticking elapsed time shows it is alive.
const MARKS: Record<DrillStatus, { mark: string; color?: string }> = {
  pending: { mark: '·' },
  running: { mark: '▶', color: 'cyan' },
  pass: { mark: '✔', color: 'green' },
  fail: { mark: '✘', color: 'red' },
  not_applicable: { mark: '–', color: 'yellow' },
};

/** The verdict column's word: `n/a` fits the column where `not_applicable` would not. */
const VERDICT_WORD: Partial<Record<DrillStatus, string>> = { not_applicable: 'n/a' };

function yesNo(value: boolean | undefined): string {
  return value === undefined ? '-' : value ? 'yes' : 'no';
}

/** A drill's time: final once it ended, counting up from its start while it runs. */
export function drillElapsed(row: DrillRowState, nowMs: number): string {
  if (row.status === 'running' && row.startedAt !== null) return formatDuration(nowMs - row.startedAt);
  return row.elapsedMs === null ? '' : formatDuration(row.elapsedMs);
}

/** The list's heading, in the same cells as the rows below it. */
export function DrillHeading({ columns }: { columns: DrillColumns }) {
  const line =
    ' '.repeat(columns.mark) +
    cell(COLUMN_LABELS.scenario, columns.scenario) +
    cell(COLUMN_LABELS.failureMode, columns.failureMode) +
    cell(
      columns.control > COLUMN_LABELS.control.length ? COLUMN_LABELS.control : COLUMN_LABELS.controlShort,
      columns.control,
    ) +
    cell('fired', columns.fired) +
    cell('caught', columns.caught) +
    cell('verdict', columns.verdict) +
    'time'.padStart(columns.time - 1);
  return <Text bold>{cut(line, columns.width)}</Text>;
}

/**
 * One scenario of the game day on one line: cursor, status mark, scenario, failure mode, expected
 * control, fault fired, caught (those two only where the screen is wide), verdict, elapsed time.
 * A clean baseline has no fault to fire or catch, and a drill that does not apply to the job never
 * ran, so both read '-'.
 */
export function DrillRow({
  row,
  columns,
  selected,
  nowMs,
}: {
  row: DrillRowState;
  columns: DrillColumns;
  selected: boolean;
  nowMs: number;
}) {
  const { mark, color } = MARKS[row.status];
  const r = row.result;
  const verdict = VERDICT_WORD[row.status] ?? row.status;
  // A drill that did not apply never ran: nothing fired or was caught, and saying "no" would blame the job.
  const nothingToCatch = row.failureMode === 'none' || row.status === 'not_applicable';
  const text =
    cell(row.scenario, columns.scenario) +
    cell(row.failureMode, columns.failureMode) +
    cell(row.expectedControl, columns.control) +
    cell(nothingToCatch ? '-' : yesNo(r?.fault_fired), columns.fired) +
    cell(nothingToCatch ? '-' : yesNo(r?.caught), columns.caught);
  const room = columns.width - columns.mark;
  const middle = cut(text, room);
  const tail = cut(cell(verdict, columns.verdict), Math.max(0, room - middle.length));
  const time = cut(drillElapsed(row, nowMs).padStart(columns.time - 1), room - middle.length - tail.length);
  return (
    <Text inverse={selected} wrap="truncate-end">
      <Text bold>{selected ? '›' : ' '}</Text>
      <Text color={color}>{`${mark} `}</Text>
      {middle}
      <Text color={color}>{tail}</Text>
      {time}
    </Text>
  );
}
