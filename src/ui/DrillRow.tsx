import { Box, Text } from 'ink';
import type { DrillRowState, DrillStatus } from './gameday-state.js';

/** Column widths in terminal cells, each with one cell of gap, shared with the heading so the two line up. */
export const DRILL_COLUMNS = {
  mark: 2,
  scenario: 31,
  failureMode: 22,
  control: 28,
  fired: 7,
  caught: 8,
  verdict: 8,
} as const;

// No spinner for a running drill: animating one needs a timer, and src/ keeps to the injected clock.
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

function Cell({ width, text, color }: { width: number; text: string; color?: string }) {
  return (
    <Box width={width} flexShrink={0} paddingRight={1}>
      <Text color={color} wrap="truncate-end">
        {text}
      </Text>
    </Box>
  );
}

/**
 * One scenario of the game day: status mark, scenario, failure mode, expected control, fault fired,
 * caught, verdict. A clean baseline has no fault to fire or catch, and a drill that does not apply
 * to the job never ran, so both read '-'.
 */
export function DrillRow({ row }: { row: DrillRowState }) {
  const { mark, color } = MARKS[row.status];
  const r = row.result;
  const status = r ? r.verdict : row.status;
  const verdict = VERDICT_WORD[status] ?? status;
  // A drill that did not apply never ran: nothing fired or was caught, and saying "no" would blame the job.
  const nothingToCatch = row.failureMode === 'none' || status === 'not_applicable';
  return (
    <Box>
      <Cell width={DRILL_COLUMNS.mark} text={mark} color={color} />
      <Cell width={DRILL_COLUMNS.scenario} text={row.scenario} />
      <Cell width={DRILL_COLUMNS.failureMode} text={row.failureMode} />
      <Cell width={DRILL_COLUMNS.control} text={row.expectedControl} />
      <Cell width={DRILL_COLUMNS.fired} text={nothingToCatch ? '-' : yesNo(r?.fault_fired)} />
      <Cell width={DRILL_COLUMNS.caught} text={nothingToCatch ? '-' : yesNo(r?.caught)} />
      <Cell width={DRILL_COLUMNS.verdict} text={verdict} color={color} />
    </Box>
  );
}
