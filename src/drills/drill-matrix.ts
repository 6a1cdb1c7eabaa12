import { type DrillResult, type DrillVerdict, failureReasons } from './drill-result.js';

/** The matrix and its findings fit a terminal this wide. */
export const MATRIX_COLUMNS_MAX = 100;

const VERDICT_LABEL: Record<DrillVerdict, string> = { pass: 'PASS', fail: 'FAIL', not_applicable: 'N/A' };

/**
 * The game day's final matrix as plain text lines: one row per drill (scenario, failure mode,
 * expected control, the controls that caught it, verdict), then, when any drill failed or was not
 * applicable, `findings:`, one block per such drill saying what caught it or why nothing did.
 */
export function drillMatrix(results: readonly DrillResult[]): string[] {
  const header = ['scenario', 'failure mode', 'expected control', 'caught by', 'verdict'];
  const rows: Cell[][] = results.map((r) => [
    { items: [r.scenario], sep: '' },
    { items: r.failure_mode.split('+'), sep: '+' },
    { items: r.expected_control.split(', '), sep: ', ' },
    { items: catchers(r), sep: ', ' },
    { items: [VERDICT_LABEL[r.verdict]], sep: '' },
  ]);
  const widths = fitWidths(
    header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.items.join(row[i]!.sep).length))),
    header.map((h, i) => Math.max(h.length, ...rows.map((row) => narrowest(row[i]!)))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lines = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of rows) {
    const wrapped = row.map((cell, i) => pack(cell, widths[i]!));
    const height = Math.max(...wrapped.map((cell) => cell.length));
    for (let k = 0; k < height; k++) lines.push(line(wrapped.map((cell) => cell[k] ?? '')));
  }
  const findings = results.filter((r) => r.verdict !== 'pass');
  if (findings.length > 0) lines.push('', 'findings:', ...findings.flatMap(finding));
  return lines;
}

/**
 * The matrix's `caught by`: the expected controls that caught the fault; when none did, whichever
 * others did (or `none`). Controls that merely acted (the gate quarantines a few of the model's
 * own mistakes in almost every run) are left to `--json`'s caught_by. `-` where there was nothing
 * to catch: a clean baseline, a drill that did not apply.
 */
export function catchers(r: DrillResult): string[] {
  if (r.verdict === 'not_applicable' || r.failure_mode === 'none') return ['-'];
  const expected = r.caught_by.filter((c) => r.expected_control.split(', ').includes(c));
  if (expected.length > 0) return expected;
  return r.caught_by.length > 0 ? r.caught_by : ['none'];
}

/** One drill that failed or did not apply: what caught it or that nothing did, and why. */
function finding(r: DrillResult): string[] {
  const lines = wrap(`${r.scenario} (${r.failure_mode}): ${VERDICT_LABEL[r.verdict]}`, '  ', '    ');
  const detail: string[] = [];
  if (r.verdict === 'not_applicable') {
    detail.push(...r.gaps.map((gap) => `not applicable: ${gap}`));
  } else {
    detail.push(
      r.caught_by.length === 0
        ? `none caught it (expected ${r.expected_control})`
        : `caught by ${r.caught_by.join(', ')} (expected ${r.expected_control})`,
    );
    detail.push(...r.gaps.map((gap) => `gap: ${gap}`));
    // With no setting to blame (an always-on control), the failures themselves say what went wrong.
    if (r.gaps.length === 0) detail.push(...failureReasons(r));
  }
  for (const text of detail) lines.push(...wrap(text, '    ', '      '));
  return lines;
}

/** A cell of the matrix: a list of items and what joins them (`+` for modes, `, ` for controls). */
interface Cell {
  items: string[];
  sep: string;
}

/** The least width a cell wraps to: its longest item and the separator that ends a broken line. */
function narrowest({ items, sep }: Cell): number {
  return Math.max(...items.map((item, i) => item.length + (i < items.length - 1 ? sep.trimEnd().length : 0)));
}

/**
 * Column widths that fit MATRIX_COLUMNS_MAX with two cells between columns: each column as wide
 * as its widest cell on one line, then the widest column narrowed a cell at a time (never below
 * `least`) until the row fits, so the wrapping is shared out rather than piled on one column.
 */
function fitWidths(natural: number[], least: number[]): number[] {
  const widths = [...natural];
  let excess = widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1) - MATRIX_COLUMNS_MAX;
  while (excess > 0) {
    let widest = -1;
    for (const [i, w] of widths.entries())
      if (w > least[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
    if (widest < 0) break; // cannot narrow further: a long scenario name, say
    widths[widest]!--;
    excess--;
  }
  return widths;
}

/** Items packed greedily into lines of at most `width` cells; a broken line ends with the separator. */
function pack({ items, sep }: Cell, width: number): string[] {
  const lines: string[] = [];
  const mark = sep.trimEnd();
  let current = '';
  for (const [i, item] of items.entries()) {
    const tail = i < items.length - 1 ? mark : ''; // room for the separator should the line break after it
    if (current === '') current = item;
    else if ((current + sep + item + tail).length <= width) current += sep + item;
    else {
      lines.push(current + sep.trimEnd());
      current = item;
    }
  }
  lines.push(current);
  return lines;
}

/**
 * `text` wrapped to MATRIX_COLUMNS_MAX at spaces and after the `+` that joins failure modes, the
 * first line after `first`, the rest after `rest`; a word longer than a line is left whole.
 */
function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const piece of text.split(/(?<=\+)|(?= )/)) {
    if (!empty && current.length + piece.length > MATRIX_COLUMNS_MAX) {
      lines.push(current);
      current = rest + piece.trimStart();
    } else current += piece;
    empty = false;
  }
  lines.push(current);
  return lines;
}
