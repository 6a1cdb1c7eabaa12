import type { DrillResult } from './drill-result.js';

export interface JunitOptions {
  suite?: string;
  /**
   * How long each scenario's drill took, in milliseconds of the game day's clock (a verdict holds
   * no time: it is a function of the seed). A drill missing here gets no `time`.
   */
  elapsedMs?: ReadonlyMap<string, number>;
  /** The whole game day's time in milliseconds; the drills' sum when absent. */
  totalMs?: number;
}

/** Milliseconds as JUnit's seconds, to the millisecond: `time="1.234"`. */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/**
 * A game day as JUnit XML, one test case per drill, for CI systems: each case and the suite carry
 * their time in seconds where it is known; a failed drill carries its reasons, the gaps in the
 * job's controls and its replay command in the failure element; a drill that does not apply to
 * the job is skipped, with the reason.
 */
export function junitXml(results: readonly DrillResult[], options: JunitOptions = {}): string {
  const suite = options.suite ?? 'batchguard gameday';
  const failures = results.filter((r) => r.verdict === 'fail').length;
  const skipped = results.filter((r) => r.verdict === 'not_applicable').length;
  const timed = results.flatMap((r) => options.elapsedMs?.get(r.scenario) ?? []);
  const totalMs = options.totalMs ?? (timed.length === 0 ? undefined : timed.reduce((a, b) => a + b, 0));
  const suiteTime = totalMs === undefined ? '' : ` time="${seconds(totalMs)}"`;
  const cases = results.map((r) => {
    const ms = options.elapsedMs?.get(r.scenario);
    const time = ms === undefined ? '' : ` time="${seconds(ms)}"`;
    const open = `    <testcase classname="batchguard.drills.${xml(r.failure_mode)}" name="${xml(`${r.scenario}: ${r.title}`)}"${time}>`;
    const caught = r.caught_by.length === 0 ? 'caught by: none' : `caught by: ${r.caught_by.join(', ')}`;
    const gaps = r.verdict === 'fail' ? [caught, ...r.gaps.map((gap) => `gap: ${gap}`)] : [];
    const detail = [...r.reasons, ...gaps, `replay: ${r.replay}`].join('\n');
    if (r.verdict === 'pass')
      return `${open}\n      <system-out>${xml(detail)}</system-out>\n    </testcase>`;
    if (r.verdict === 'not_applicable')
      return `${open}\n      <skipped message="${xml(r.reasons[0] ?? 'not applicable')}"/>\n    </testcase>`;
    const message = r.reasons[0] ?? 'the drill failed';
    return `${open}\n      <failure message="${xml(message)}" type="drill_failed">${xml(detail)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(suite)}" tests="${results.length}" failures="${failures}"${suiteTime}>`,
    `  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}"${suiteTime}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Text escaped for XML content and attributes; characters XML 1.0 forbids are dropped. */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
