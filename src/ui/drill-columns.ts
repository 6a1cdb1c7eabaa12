/*
 * The game day's layout in terminal cells, worked out as plain strings before Ink sees them: every
 * line is cut to the screen's width here, so that no line can wrap (a wrapped line is one Ink does
 * not count, and leaves a stale frame behind when it redraws).
 */

/** Cells of the fixed columns: cursor and mark, fired, caught, verdict, elapsed time. */
const MARK_CELLS = 3;
const FIRED_CELLS = 6;
const CAUGHT_CELLS = 7;
const VERDICT_CELLS = 8;
const TIME_CELLS = 8;
/** The fewest cells a shrinking column keeps: enough for a word and its ellipsis. */
const FLEX_CELLS_MIN = 8;
/** Failure mode and control give up cells down to this before the scenario, which names the drill, gives any. */
const SECONDARY_CELLS_MIN = 15;
/** Text columns at these widths (or their entries' own, if narrower) leave room for fired and caught. */
const COMFORTABLE_CELLS = { scenario: 32, failureMode: 24, control: 24 } as const;

/** What the list's text columns hold, for sizing them. */
export interface ColumnText {
  scenario: string;
  failureMode: string;
  expectedControl: string;
}

/** Cell widths of the list's columns, each with its gap; `fired`/`caught` are 0 when hidden. */
export interface DrillColumns {
  width: number;
  mark: number;
  scenario: number;
  failureMode: number;
  control: number;
  fired: number;
  caught: number;
  verdict: number;
  time: number;
}

export const COLUMN_LABELS = {
  scenario: 'scenario',
  failureMode: 'failure mode',
  control: 'expected control',
  /** The control column's heading when `expected control` would be cut. */
  controlShort: 'control',
} as const;

/** Cells of `text` on a terminal (one a code point: what the game day prints is narrow). */
function cells(text: string): number {
  return Array.from(text).length;
}

/** `text` cut to `width` cells, its last visible cell an ellipsis when something was cut. */
export function cut(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
}

/** `text` cut to `width` cells less one for the gap, then padded to exactly `width`. */
export function cell(text: string, width: number): string {
  if (width <= 0) return '';
  const shown = cut(text, width - 1);
  return shown + ' '.repeat(width - cells(shown));
}

/**
 * The columns for a screen `width` cells wide: each text column as wide as its longest entry when
 * that fits. Where it does not, `fired` and `caught` go first (the detail view has them), then
 * failure mode and control give up a cell at a time, the wider first, down to
 * SECONDARY_CELLS_MIN, then every text column down to FLEX_CELLS_MIN; cut entries end in `…`.
 */
export function drillColumns(width: number, rows: readonly ColumnText[]): DrillColumns {
  const want = (label: string, values: string[]) => Math.max(cells(label), ...values.map(cells)) + 1;
  const flex = {
    scenario: want(
      COLUMN_LABELS.scenario,
      rows.map((r) => r.scenario),
    ),
    failureMode: want(
      COLUMN_LABELS.failureMode,
      rows.map((r) => r.failureMode),
    ),
    control: want(
      COLUMN_LABELS.control,
      rows.map((r) => r.expectedControl),
    ),
  };
  type Flex = keyof typeof flex;
  const fixed = MARK_CELLS + VERDICT_CELLS + TIME_CELLS;
  const comfortable = (Object.keys(flex) as Flex[]).reduce(
    (sum, k) => sum + Math.min(flex[k], COMFORTABLE_CELLS[k]),
    0,
  );
  const showFiredCaught = fixed + FIRED_CELLS + CAUGHT_CELLS + comfortable <= width;
  const room = width - fixed - (showFiredCaught ? FIRED_CELLS + CAUGHT_CELLS : 0);
  const widest = (keys: Flex[], floor: number) =>
    keys
      .filter((k) => flex[k] > floor)
      .reduce<Flex | null>((a, k) => (a === null || flex[k] > flex[a] ? k : a), null);
  // One cell a pass, so the loop is bounded by the widths themselves.
  for (let excess = flex.scenario + flex.failureMode + flex.control - room; excess > 0; excess--) {
    const giver =
      widest(['failureMode', 'control'], SECONDARY_CELLS_MIN) ??
      widest(['scenario', 'failureMode', 'control'], FLEX_CELLS_MIN);
    if (giver === null) break;
    flex[giver]--;
  }
  return {
    width,
    mark: MARK_CELLS,
    ...flex,
    fired: showFiredCaught ? FIRED_CELLS : 0,
    caught: showFiredCaught ? CAUGHT_CELLS : 0,
    verdict: VERDICT_CELLS,
    time: TIME_CELLS,
  };
}

/**
 * Which of `count` items to show in `height` lines so that `selected` is among them, kept near
 * the middle once the list scrolls (as less and k9s do); `end` is exclusive.
 */
export function visibleWindow(
  count: number,
  selected: number,
  height: number,
): { start: number; end: number } {
  const size = Math.max(1, Math.min(count, height));
  const start = Math.min(Math.max(0, selected - Math.floor(size / 2)), Math.max(0, count - size));
  return { start, end: Math.min(count, start + size) };
}

/** `text` broken at spaces into lines of at most `width` cells, each later one indented by `indent`. */
export function wrapWords(text: string, width: number, indent = '  '): string[] {
  const lines: string[] = [];
  const lead = text.length - text.trimStart().length;
  let line = text.slice(0, lead);
  for (const word of text.slice(lead).split(' ')) {
    const bare = line.trim() === '';
    const candidate = bare ? `${line}${word}` : `${line} ${word}`;
    if (cells(candidate) <= width || bare) line = candidate;
    else {
      lines.push(line);
      line = `${indent}${word}`;
    }
  }
  lines.push(line);
  // A single word longer than the line still may not wrap on the terminal: it is cut.
  return lines.map((l) => cut(l, width));
}
