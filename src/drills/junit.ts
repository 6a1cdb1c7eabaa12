import type { DrillResult } from './drill-result.js';

/**
 * A game day as JUnit XML, one test case per drill, for CI systems: a failed drill carries its
 * reasons, the gaps in the job's controls and its replay command in the failure element; a drill
 * that does not apply to the job is skipped, with the reason.
 */
export function junitXml(results: readonly DrillResult[], suite = 'batchguard gameday'): string {
  const failures = results.filter((r) => r.verdict === 'fail').length;
  const skipped = results.filter((r) => r.verdict === 'not_applicable').length;
  const cases = results.map((r) => {
    const open = `    <testcase classname="batchguard.drills.${xml(r.failure_mode)}" name="${xml(`${r.scenario}: ${r.title}`)}">`;
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
    `<testsuites name="${xml(suite)}" tests="${results.length}" failures="${failures}">`,
    `  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
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
