import { describe, expect, it } from 'vitest';
import { failed, notApplicable, passed } from './drill-result-fixtures.js';
import { junitXml } from './junit.js';

/** The XML of the one test case whose name starts with `scenario: `. */
function testcase(xml: string, scenario: string): string {
  const start = xml.indexOf(`name="${scenario}: `);
  return xml.slice(start, xml.indexOf('</testcase>', start));
}

describe('junitXml', () => {
  const xml = junitXml([passed(), failed(), notApplicable()]);

  it('counts a failed drill as a failure and a drill that does not apply as skipped', () => {
    expect(xml).toContain(
      '<testsuite name="batchguard gameday" tests="3" failures="1" errors="0" skipped="1">',
    );
    expect(xml.match(/<testcase /g)).toHaveLength(3);
  });

  it('skips a drill that does not apply, with its reason as the message', () => {
    const skipped = testcase(xml, 'poisoned-template-wrong-column');
    expect(skipped).toContain(
      '<skipped message="not applicable: the template uses one column ({{text}}), so no other column can be put in its place"/>',
    );
    expect(skipped).not.toContain('<failure');
  });

  it("puts what caught the fault and the gaps in the job's controls into a failure's detail", () => {
    const failure = testcase(xml, 'poisoned-template');
    expect(failure).toContain('<failure message="canary did not catch it: its event is not in the run log"');
    expect(failure).toContain('caught by: none\n');
    expect(failure).toContain(
      'gap: canary.enabled is false, so no slice was graded before the rest ran: set it to true\n',
    );
    expect(failure).toContain('replay: npx batchguard drill scenarios/poisoned-template.yaml --seed 7');
  });

  it('has neither failure nor skipped element for a passing drill', () => {
    const pass = testcase(xml, 'silent-partial-drop');
    expect(pass).toContain('<system-out>');
    expect(pass).not.toMatch(/<failure|<skipped|gap:/);
  });
});

describe('junitXml with times', () => {
  const elapsedMs = new Map([
    ['silent-partial-drop', 1234],
    ['poisoned-template', 56],
  ]);

  it("gives each test case its drill's time in seconds, to the millisecond", () => {
    const xml = junitXml([passed(), failed()], { elapsedMs, totalMs: 1500 });
    expect(testcase(xml, 'silent-partial-drop')).toMatch(/^name="silent-partial-drop: [^"]*" time="1\.234">/);
    expect(testcase(xml, 'poisoned-template')).toMatch(/ time="0\.056">/);
  });

  it("gives the suite the game day's total time, or the drills' sum when the total is not known", () => {
    expect(junitXml([passed(), failed()], { elapsedMs, totalMs: 1500 })).toMatch(
      /<testsuite name="batchguard gameday" tests="2" failures="1" errors="0" skipped="0" time="1\.500">/,
    );
    expect(junitXml([passed(), failed()], { elapsedMs })).toMatch(/<testsuite [^>]* time="1\.290">/);
  });

  it('leaves time out where it is not known, rather than claiming zero', () => {
    const xml = junitXml([passed(), notApplicable()], { elapsedMs });
    expect(testcase(xml, 'poisoned-template-wrong-column')).not.toContain('time=');
    expect(junitXml([passed()])).not.toContain('time=');
  });
});
