import { describe, expect, it } from 'vitest';
import { rewriteResults } from './support/fetch-taps.js';
import { jobFolder, reviews, type SimRun, simRun } from './support/pipeline-harness.js';
import { alarms, dispositionsByKey, expectInvariants } from './support/run-checks.js';

/*
 * Results lines that parse as JSON but are not the shape the API documents (found by
 * test/api-fuzz.property.test.ts): each was an exception out of the fetch (exit 3). Now a line
 * that cannot be read is stored as malformed, with the path of what is wrong, and the gate
 * turns it into an outcome like any other: the row is retried, and nothing is lost.
 */

const idOf = (line: string): string => JSON.parse(line).custom_id;

/** The row key a custom_id was sent for, as the run recorded it. */
async function keyOf(run: SimRun, customId: string): Promise<string> {
  const row = await run.db.one<{ row_key: string }>('SELECT row_key FROM requests WHERE custom_id = ?', [
    customId,
  ]);
  return row!.row_key;
}

/** A job of `n` reviews, its run, and a tap that rewrites the first main batch's lines once. */
async function tamperedRun(n: number, tamper: (sorted: string[]) => Map<string, string>) {
  const rows = reviews(n);
  const { dir, job } = jobFolder(rows);
  const run = await simRun(dir, { seed: 1 });
  const changed: string[] = [];
  rewriteResults(run, (lines) => {
    // The first main batch: the first file with no golden rows (the canary's has some).
    if (changed.length > 0 || lines.some((l) => idOf(l).startsWith('g'))) return lines;
    const replaced = tamper([...lines].sort((a, b) => (idOf(a) < idOf(b) ? -1 : 1)));
    changed.push(...[...replaced.keys()].map(idOf));
    return lines.map((l) => replaced.get(l) ?? l);
  });
  return { rows, job, run, changed };
}

/** The line with `change` applied to its parsed object. */
// biome-ignore lint/suspicious/noExplicitAny: a test rewrites lines of any shape, wrong ones on purpose
const edit = (line: string, change: (o: Record<string, any>) => void): string => {
  const parsed = JSON.parse(line);
  change(parsed);
  return JSON.stringify(parsed);
};

describe('a results line of the wrong shape', () => {
  it('that is not an object, or has no string custom_id, is alarmed on as unknown and its row retried', async () => {
    const { rows, job, run, changed } = await tamperedRun(40, ([a, b, c]) => {
      return new Map([
        [a!, '5'],
        [b!, edit(b!, (o) => (o.custom_id = null))],
        [c!, edit(c!, (o) => (o.custom_id = 7))],
      ]);
    });
    const summary = await run.start(job);

    expect(changed).toHaveLength(3);
    const unknown = await run.db.all<{ custom_id: string; detail: string }>(
      "SELECT custom_id, detail FROM outcomes WHERE reason = 'unknown_id' ORDER BY detail",
    );
    expect(unknown.map((u) => u.detail)).toEqual([
      'malformed result line: custom_id: expected string, received null',
      'malformed result line: custom_id: expected string, received number',
      'malformed result line: not an object (number)',
    ]);
    expect(alarms(run, 'unknown_ids').map((e) => e.detail.count)).toContain(3);
    // Their rows had no readable line: missing, requeued, answered on a second attempt.
    expect(alarms(run, 'missing_ids').map((e) => e.detail.count)).toContain(3);
    const byKey = await dispositionsByKey(run.db);
    for (const id of changed)
      expect(byKey.get(await keyOf(run, id))).toEqual({ disposition: 'promoted', reason: null });
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('with fields of the wrong type is quarantined as unparseable, naming the field, and retried', async () => {
    const { rows, job, run, changed } = await tamperedRun(40, ([a, b, c, d, e, f, g]) => {
      return new Map([
        [g!, edit(g!, (o) => delete o.result)],
        [a!, edit(a!, (o) => (o.result.message.content = null))],
        [b!, edit(b!, (o) => (o.result.message.usage.input_tokens = '12'))],
        [c!, edit(c!, (o) => (o.result.message.usage.output_tokens = -5))],
        [d!, edit(d!, (o) => (o.result.message.usage.input_tokens = 1e20))],
        [e!, edit(e!, (o) => (o.result.message.content[0].text = 7))],
        [f!, edit(f!, (o) => (o.result = { type: 'errored' }))],
      ]);
    });
    const summary = await run.start(job);

    expect(changed).toHaveLength(7);
    const first = await run.db.all<{ custom_id: string; kind: string; reason: string; detail: string }>(
      `SELECT custom_id, kind, reason, detail FROM outcomes WHERE custom_id IN (${changed.map(() => '?').join(', ')})
       ORDER BY custom_id`,
      changed,
    );
    expect(first.map((o) => [o.kind, o.reason])).toEqual(changed.map(() => ['invalid', 'unparseable']));
    const details = first.map((o) => o.detail);
    for (const path of [
      'result: expected object',
      'result.message.content',
      'result.message.usage.input_tokens',
      'result.message.usage.output_tokens',
      'result.message.content.0.text',
      'result.error',
    ])
      expect(
        details.some((d) => d.startsWith('malformed result line: ') && d.includes(path)),
        path,
      ).toBe(true);
    const byKey = await dispositionsByKey(run.db);
    for (const id of changed)
      expect(byKey.get(await keyOf(run, id))).toEqual({ disposition: 'promoted', reason: null });
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });
});
