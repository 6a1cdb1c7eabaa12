import { Box, Text } from 'ink';
import { drillElapsed } from './DrillRow.js';
import { cut, wrapWords } from './drill-columns.js';
import type { DrillRowState, TailLine } from './gameday-state.js';

/** One line of the detail view, already no wider than the screen. */
export interface DetailLine {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

const VERDICT_COLORS: Record<string, string> = { pass: 'green', fail: 'red', not_applicable: 'yellow' };

function logLine(line: TailLine, withDetail: boolean): string {
  const seq = String(line.seq).padStart(4, '0');
  if (line.alarm && withDetail) return `  ALARM ${seq} ${line.step}: ${line.detail} [${line.kind}]`;
  return `  ${line.alarm ? 'ALARM ' : ''}${seq} ${line.step} ${line.kind}${withDetail ? ` ${line.detail}` : ''}`;
}

function list(items: readonly string[], empty: string): string {
  return items.length === 0 ? empty : items.join(', ');
}

/**
 * Everything the game day knows about one drill, as lines `width` cells wide: its hypothesis, the
 * evidence that its fault fired, what caught it, whether the invariants held, why the verdict is
 * what it is, the gaps in the job's controls, its alarms and last run-log lines, and the line that
 * replays it (wrapped, not cut: it is there to be copied).
 */
export function detailLines(
  row: DrillRowState,
  hypothesis: readonly string[],
  width: number,
  nowMs: number,
): DetailLine[] {
  const r = row.result;
  const out: DetailLine[] = [];
  // Wrapped at spaces, each later line indented under the first's words: the view scrolls, so
  // nothing a person needs (a reason, a gap, the replay line) is cut. Log lines are cut instead.
  const add = (text: string, style: Omit<DetailLine, 'text'> = {}) => {
    const indent = `${' '.repeat(text.length - text.trimStart().length)}    `;
    for (const line of wrapWords(text, width, indent)) out.push({ text: line, ...style });
  };
  const addCut = (text: string, style: Omit<DetailLine, 'text'> = {}) =>
    out.push({ text: cut(text, width), ...style });
  addCut(`${row.scenario} · ${row.title}`, { bold: true });
  const elapsed = drillElapsed(row, nowMs);
  const status = r ? r.verdict.toUpperCase().replace('NOT_APPLICABLE', 'N/A') : row.status;
  const facts = [
    `verdict ${status}`,
    ...(r ? [`seed ${r.seed}`] : []),
    ...(elapsed === '' ? [] : [elapsed]),
    ...(r ? [`run ${r.run_status}`] : []),
    ...(row.reruns > 0 ? [`re-run ${row.reruns}×`] : []),
  ];
  add(facts.join(' · '), { bold: true, color: VERDICT_COLORS[r?.verdict ?? ''] });
  add(`failure mode ${row.failureMode} · expected control ${row.expectedControl}`);
  if (hypothesis.length > 0) {
    add('hypothesis:');
    for (const claim of hypothesis) add(`  ${claim}`);
  }
  if (r) {
    const evidence = Object.entries(r.evidence).map(([kind, n]) => `${kind} ${n.toLocaleString('en-US')}`);
    add(`fault fired: ${r.fault_fired ? 'yes' : 'no'} · evidence: ${list(evidence, 'none')}`);
    add(`caught: ${r.caught ? 'yes' : 'no'} · caught by: ${list(r.caught_by, 'none')}`);
    add(`invariants held: ${r.invariants_held ? 'yes' : 'no'}`);
    if (r.reasons.length > 0) add('why:');
    for (const reason of r.reasons) add(`  ${reason}`);
    if (r.gaps.length > 0) add(r.verdict === 'fail' ? 'gaps:' : 'reason:');
    for (const gap of r.gaps) add(`  ${gap}`, { color: 'yellow' });
  } else if (row.status === 'pending') add('not run yet', { dim: true });
  add(`alarms: ${row.alarms}`, row.alarms > 0 ? { color: 'yellow' } : {});
  for (const line of row.alarmLines) addCut(logLine(line, true), { color: 'yellow' });
  if (row.tail.length > 0) add('last run-log lines:');
  for (const line of row.tail) addCut(logLine(line, false), { dim: !line.alarm });
  if (r) add(`replay: ${r.replay}`, { bold: true });
  return out;
}

/** The first line to show: `scroll`, kept where the last screenful still fills `height` lines. */
export function clampScroll(scroll: number, lineCount: number, height: number): number {
  return Math.min(Math.max(0, scroll), Math.max(0, lineCount - height));
}

/** The detail view's lines that fit in `height`, from `scroll` on. */
export function DrillDetail({
  lines,
  scroll,
  height,
}: {
  lines: readonly DetailLine[];
  scroll: number;
  height: number;
}) {
  const start = clampScroll(scroll, lines.length, height);
  return (
    <Box flexDirection="column">
      {lines.slice(start, start + Math.max(1, height)).map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines are a fixed screenful, redrawn whole.
        <Text key={i} color={line.color} bold={line.bold} dimColor={line.dim} wrap="truncate-end">
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
