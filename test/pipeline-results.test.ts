import { describe, expect, it } from 'vitest';
import { FETCH_ATTEMPTS_MAX } from '../src/pipeline/run/fetch-results.js';
import { erroredLine } from '../src/sim/world/result-lines.js';
import {
  cutResultsDownloads,
  isFirstAttempt,
  refuseFirstResultsDownload,
  rewriteResults,
  undercountFirstEndedBatch,
} from './support/fetch-taps.js';
import { jobFolder, reviews, type SimRun, simRun } from './support/pipeline-harness.js';
import { alarms, count, dispositionsByKey, expectInvariants, kinds } from './support/run-checks.js';

/*
 * What the pipeline does with a results file that does not read cleanly: a download cut in the
 * middle of a line (fetched again, within a bound), and lines that are not answers (errored
 * requests, a success with no text). Each test checks that its fault fired, then what the fetch
 * and the gate made of it, then the invariants.
 */

const idOf = (line: string): string => JSON.parse(line).custom_id;
const keyOf = (customId: string) => customId.replace(/^r_/, '').replace(/_\d+_[0-9a-f]{6}$/, '');

/** The rows the fetch stored for each submission, by the `results_fetched` outcome. */
const fetchedRows = (run: SimRun) =>
  Object.fromEntries(
    run.entries
      .filter((e) => e.kind === 'results_fetched')
      .map((e) => [e.detail.submission_id as string, e.detail.rows as number]),
  );

/** A job of `n` reviews and its run in a simulated world at seed 1. */
async function reviewsRun(n: number) {
  const rows = reviews(n);
  const { dir, job } = jobFolder(rows);
  return { rows, job, run: await simRun(dir, { seed: 1 }) };
}

/** How many requests a submission sent, and how many result lines the fetch kept for it. */
async function sentAndKept(run: SimRun, submissionId: string) {
  const sent = (await requestCounts(run))[submissionId]!;
  const kept = await count(
    run.db,
    `SELECT count(*) FROM raw_results WHERE submission_id = '${submissionId}'`,
  );
  return { sent, kept };
}

async function requestCounts(run: SimRun): Promise<Record<string, number>> {
  const rows = await run.db.all<{ submission_id: string; n: number }>(
    'SELECT submission_id, request_count AS n FROM submissions ORDER BY submission_id',
  );
  return Object.fromEntries(rows.map((r) => [r.submission_id, r.n]));
}

describe('a results download cut midway', () => {
  it('is fetched again, and every line of the file is stored once', async () => {
    const { rows, job, run } = await reviewsRun(40);
    // The first download of the first results file (the canary's) stops in the middle of a line.
    const cuts = cutResultsDownloads(run, ({ file, attempt }) => file === 0 && attempt === 1);
    const summary = await run.start(job);

    expect(cuts).toHaveLength(1);
    const failed = alarms(run, 'results_stream_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ step: 'fetch', detail: { submission_id: 's0001', attempt: 1 } });
    const fetched = run.entries.filter((e) => e.kind === 'results_fetched');
    expect(fetched.map((e) => [e.step, e.phase])).toEqual(fetched.map(() => ['fetch', 'outcome']));
    // Some whole lines came before the cut; the partial one is the error.
    expect(failed[0]!.detail.lines).toBeGreaterThan(0);
    expect(failed[0]!.detail.lines).toBeLessThan((await requestCounts(run)).s0001!);
    expect(String(failed[0]!.detail.error)).not.toBe('');

    // The second download read the whole file: every request has one line, numbered in order.
    expect(fetchedRows(run)).toEqual(await requestCounts(run));
    expect(alarms(run, 'missing_ids')).toEqual([]);
    // The file as fetched again agrees with the API's counts: nothing to alarm on.
    expect(alarms(run, 'counts_disagree')).toEqual([]);
    const lineNumbers = await run.db.all<{ first: number; last: number; n: number }>(
      `SELECT min(line_no)::INTEGER AS first, max(line_no)::INTEGER AS last, count(*)::INTEGER AS n
       FROM raw_results WHERE submission_id = 's0001'`,
    );
    expect(lineNumbers).toEqual([
      { first: 1, last: (await requestCounts(run)).s0001!, n: (await requestCounts(run)).s0001! },
    ]);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('is fetched again when the download is refused outright, before any line', async () => {
    const { rows, job, run } = await reviewsRun(40);
    // The first request for a results file is answered 404 (not retried by the SDK call itself).
    const refused = refuseFirstResultsDownload(run);
    const summary = await run.start(job);

    expect(refused()).toBe(1);
    const failed = alarms(run, 'results_stream_failed');
    expect(failed.map((e) => e.detail)).toEqual([
      { submission_id: 's0001', attempt: 1, lines: 0, error: expect.stringContaining('refused by the test') },
    ]);
    expect(fetchedRows(run)).toEqual(await requestCounts(run));
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it(`is given up after ${FETCH_ATTEMPTS_MAX} downloads: the lines read stay, the rest are requeued as missing`, async () => {
    const { rows, job, run } = await reviewsRun(40);
    // Every download of the second results file (the first main batch's) is cut.
    const cuts = cutResultsDownloads(run, ({ file }) => file === 1);
    const summary = await run.start(job);

    expect(cuts).toHaveLength(FETCH_ATTEMPTS_MAX);
    const failed = alarms(run, 'results_stream_failed');
    expect(failed.map((e) => [e.detail.submission_id, e.detail.attempt])).toEqual([
      ['s0002', 1],
      ['s0002', 2],
      ['s0002', 3],
    ]);
    // The last download's whole lines are kept and counted; the ids it never delivered are missing.
    const { sent, kept } = await sentAndKept(run, 's0002');
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(sent);
    expect(fetchedRows(run).s0002).toBe(kept);
    expect(failed.at(-1)!.detail.lines).toBe(kept);
    const missing = alarms(run, 'missing_ids').filter((e) => e.detail.submission_id === 's0002');
    expect(missing.map((e) => e.detail.count)).toEqual([sent - kept]);
    // The API counted every request; fewer ids arrived than it counted.
    const disagree = alarms(run, 'counts_disagree').filter((e) => e.detail.submission_id === 's0002');
    expect(disagree.map((e) => e.detail)).toEqual([
      { submission_id: 's0002', submitted: sent, counted: sent, received: kept },
    ]);

    // Requeued, answered on a second attempt, and promoted: nothing lost.
    const retried = await count(run.db, 'SELECT count(*) FROM requests WHERE attempt = 2');
    expect(retried).toBe(sent - kept);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });

  it('leaves a canary whose file never reads whole to be graded on the answers that came', async () => {
    const { rows, job, run } = await reviewsRun(40);
    // Every download of the canary's results file is cut: about half its rows never arrive.
    const cuts = cutResultsDownloads(run, ({ file }) => file === 0);
    const summary = await run.start(job);

    expect(cuts).toHaveLength(FETCH_ATTEMPTS_MAX);
    const { sent, kept } = await sentAndKept(run, 's0001');
    expect(kept).toBeGreaterThan(0);
    // The rows that never came say nothing of the template: they are not invalid answers.
    expect(kinds(run)).not.toContain('canary_halted');
    const released = run.entries.find((e) => e.kind === 'canary_released')!;
    expect(released.detail).toMatchObject({ validity: 1, unanswered: sent - kept, stats: { rows: kept } });
    // They are requeued with the rest of the job, and nothing is lost.
    expect(
      await count(run.db, "SELECT count(*) FROM requests WHERE submission_id <> 's0001' AND attempt = 2"),
    ).toBe(sent - kept);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });
});

describe('a batch whose API counts disagree with what was sent', () => {
  it('is alarmed on, and its rows are still each gated by their own id', async () => {
    const { rows, job, run } = await reviewsRun(40);
    // The API reports the first batch ended with one request fewer than it was given.
    const undercounted = undercountFirstEndedBatch(run);
    const summary = await run.start(job);

    expect(undercounted()).toMatch(/^msgbatch_/);
    const sent = (await requestCounts(run)).s0001!;
    expect(alarms(run, 'counts_disagree').map((e) => [e.step, e.detail])).toEqual([
      ['gate', { submission_id: 's0001', submitted: sent, counted: sent - 1, received: sent }],
    ]);
    // Every line was there: nothing is missing, nothing requeued for it.
    expect(alarms(run, 'missing_ids')).toEqual([]);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });
});

describe('result lines that are not answers', () => {
  it('dead-letters a request the API refused, retries an overloaded or canceled one, and quarantines a success with no text or a result it does not know', async () => {
    const { rows, job, run } = await reviewsRun(60);
    const changed = { refused: '', overloaded: '', empty: '', canceled: '', strange: '' };
    rewriteResults(run, (lines) => {
      // The first main batch: first attempts of source rows only (the canary's has golden rows).
      if (changed.refused || lines.some((l) => idOf(l).startsWith('g_') || !isFirstAttempt(idOf(l))))
        return lines;
      const [refused, overloaded, empty, canceled, strange] = [...lines].sort((a, b) =>
        idOf(a) < idOf(b) ? -1 : 1,
      );
      Object.assign(changed, {
        refused: idOf(refused!),
        overloaded: idOf(overloaded!),
        empty: idOf(empty!),
        canceled: idOf(canceled!),
        strange: idOf(strange!),
      });
      const noText = JSON.parse(empty!);
      noText.result.message.content = [];
      const replaced = new Map([
        [refused, erroredLine(changed.refused, 'invalid_request_error', 'max_tokens: too large')],
        [overloaded, erroredLine(changed.overloaded, 'overloaded_error', 'Overloaded')],
        [empty, JSON.stringify(noText)],
        [canceled, JSON.stringify({ custom_id: changed.canceled, result: { type: 'canceled' } })],
        // A result type a later API might add: not an answer this pipeline can read.
        [strange, JSON.stringify({ custom_id: changed.strange, result: { type: 'withheld' } })],
      ]);
      return lines.map((l) => replaced.get(l) ?? l);
    });
    const summary = await run.start(job);

    expect(changed.refused).not.toBe('');
    const firstOutcomes = await run.db.all<{
      custom_id: string;
      kind: string;
      reason: string;
      detail: string | null;
    }>(
      'SELECT custom_id, kind, reason, detail FROM outcomes WHERE custom_id IN (?, ?, ?, ?, ?) ORDER BY custom_id',
      Object.values(changed),
    );
    const expected = [
      {
        custom_id: changed.refused,
        kind: 'failed',
        reason: 'invalid_request',
        detail: 'max_tokens: too large',
      },
      {
        custom_id: changed.overloaded,
        kind: 'retry',
        reason: 'errored:overloaded_error',
        detail: 'Overloaded',
      },
      // No text block is read as empty text, not as anything else.
      {
        custom_id: changed.empty,
        kind: 'invalid',
        reason: 'unparseable',
        detail: 'not JSON (Unexpected end of JSON input)',
      },
      { custom_id: changed.canceled, kind: 'retry', reason: 'canceled', detail: null },
      {
        custom_id: changed.strange,
        kind: 'invalid',
        reason: 'unparseable',
        detail: 'unknown result type withheld',
      },
    ];
    expect(firstOutcomes).toEqual(expected.sort((a, b) => (a.custom_id < b.custom_id ? -1 : 1)));
    const gated = run.entries.filter((e) => e.kind === 'batch_gated').map((e) => e.detail.outcomes);
    expect(gated).toContainEqual(
      expect.objectContaining({
        'failed:invalid_request': 1,
        'retry:errored:overloaded_error': 1,
        'retry:canceled': 1,
        'invalid:unparseable': 2,
      }),
    );

    // The refused request is not sent again (it would be refused again, and billed); the
    // overloaded and canceled ones are, with the same model; the others go to the escalation model.
    const tries = await run.db.all<{ row_key: string; models: string[]; attempts: number[] }>(
      `SELECT q.row_key, list(q.model ORDER BY q.attempt) AS models, list(o.attempt ORDER BY q.attempt) AS attempts
       FROM requests q JOIN outcomes o USING (run_id, submission_id, custom_id)
       WHERE q.row_key IN (?, ?, ?, ?, ?) GROUP BY q.row_key`,
      Object.values(changed).map(keyOf),
    );
    const triesOf = (customId: string) => tries.find((t) => t.row_key === keyOf(customId));
    const { primary, escalation } = job.models;
    expect(triesOf(changed.refused)).toMatchObject({ models: [primary], attempts: [1] });
    for (const again of [changed.overloaded, changed.canceled])
      expect(triesOf(again)).toMatchObject({ models: [primary, primary], attempts: [1, 2] });
    for (const escalated of [changed.empty, changed.strange])
      expect(triesOf(escalated)).toMatchObject({ models: [primary, escalation], attempts: [1, 2] });
    const byKey = await dispositionsByKey(run.db);
    expect(byKey.get(keyOf(changed.refused))).toEqual({
      disposition: 'dead_lettered',
      reason: 'invalid_request',
    });
    for (const answered of [changed.overloaded, changed.canceled, changed.empty, changed.strange])
      expect(byKey.get(keyOf(answered))).toEqual({ disposition: 'promoted', reason: null });
    await expectInvariants(run, summary.runId, job, rows);
  });
});
