import type { DrillResult } from './drill-result.js';

/**
 * A game day as JUnit XML, one test case per drill, for CI systems: a failed drill carries its
 * reasons and its replay command in the failure element.
 */
export function junitXml(results: readonly DrillResult[], suite = 'batchguard gameday'): string {
  const failures = results.filter((r) => r.verdict === 'fail').length;
  const cases = results.map((r) => {
    const open = `    <testcase classname="batchguard.drills.${xml(r.failure_mode)}" name="${xml(`${r.scenario}: ${r.title}`)}">`;
    const detail = [...r.reasons, `replay: ${r.replay}`].join('\n');
    if (r.verdict === 'pass')
      return `${open}\n      <system-out>${xml(detail)}</system-out>\n    </testcase>`;
    const message = r.reasons[0] ?? 'the drill failed';
    return `${open}\n      <failure message="${xml(message)}" type="drill_failed">${xml(detail)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(suite)}" tests="${results.length}" failures="${failures}">`,
    `  <testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0">`,
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
