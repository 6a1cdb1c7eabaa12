import { afterEach, describe, expect, it } from 'vitest';
import { alertKindOf } from '../src/pipeline/alerts/alert-kind.js';
import { AlertOutbox } from '../src/pipeline/alerts/alert-outbox.js';
import { alertPayload, STRING_MAX, scrubDetail } from '../src/pipeline/alerts/alert-payload.js';
import { Alerter } from '../src/pipeline/alerts/alerter.js';
import type { LogEntry } from '../src/pipeline/run/run-log.js';
import { cliInProcess } from './support/cli-in-process.js';
import { jobFolder, reviews, simRun, TEMPLATE } from './support/pipeline-harness.js';
import { closedUrl, type Received, webhookReceiver } from './support/webhook.js';

/*
 * Alarms that page: a job's alarms of the kinds it pages are POSTed to its webhook, scrubbed of
 * rows, answers and the key, with retries, and never block, fail or change the run. The webhook
 * is a real HTTP server on a local port, reached over the real network (not the simulated API).
 */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A webhook (test/support/webhook.ts) closed after each test. */
async function receiver(answer?: (n: number) => number | null) {
  const hook = await webhookReceiver(answer);
  closers.push(hook.close);
  return hook;
}

/** An outbox whose waits between tries are recorded and cut to a hundredth (real time still). */
function testOutbox(lines: string[], options: { tryTimeoutMs?: number } = {}) {
  const waits: number[] = [];
  const outbox = new AlertOutbox({
    log: (line) => lines.push(line),
    sleep: (ms, signal) => {
      waits.push(ms);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, ms / 100);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    },
    ...options,
  });
  return { outbox, waits };
}

/** A job whose template sends the sku column instead of the review: its canary halts. */
function poisonedJob(alerts: Record<string, unknown>) {
  return jobFolder(reviews(60), { template: TEMPLATE.replace('{{text}}', '{{sku}}'), alerts });
}

describe('a simulated run whose canary halts, paging a real webhook', () => {
  it('POSTs exactly one JSON alert for canary_halted, with a chat line and no key or source text', async () => {
    const hook = await receiver();
    const { dir, job } = poisonedJob({ webhook: hook.url });
    const run = await simRun(dir, { seed: 1 });
    const lines: string[] = [];
    run.env.alerts = testOutbox(lines).outbox;

    const summary = await run.start(job);
    expect(await run.env.alerts.flush(5_000)).toEqual({ abandoned: 0 });

    expect(summary.status).toBe('halted');
    expect(hook.received).toHaveLength(1);
    const [{ headers, raw, body }] = hook.received as [Received];
    expect(headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({
      run_id: summary.runId,
      job: 'reviews',
      mode: 'simulation',
      step: 'canary',
      kind: 'canary_halted',
      alert_kind: 'halt',
    });
    const logged = run.entries.find((e) => e.kind === 'canary_halted')!;
    expect(body.at).toBe(logged.at);
    expect(body.text).toMatch(
      new RegExp(
        `^batchguard: run ${summary.runId} of job reviews \\(simulation\\): canary_halted \\(halt\\) — golden score 0\\.\\d\\d is below the minimum`,
      ),
    );
    // The reasons, with the answers' label they quote (an output) left out.
    expect(summary.canary!.reasons.join()).toMatch(/top share \d\.\d\d \("neutral"\)/);
    expect(body.detail).toMatchObject({
      reasons: summary.canary!.reasons.map((r) => r.replace(/"[^"]*"/g, '"…"')),
      goldenScore: summary.canary!.goldenScore,
    });
    // The answers' label counts are outputs: they stay in the run log.
    expect(body.detail.stats).not.toHaveProperty('distribution');
    expect(raw).not.toContain('sim-key');
    for (const review of reviews(60)) {
      expect(raw).not.toContain(review.text);
      expect(raw).not.toContain(review.id);
    }
    expect(raw).not.toMatch(/Order \d+|SKU-\d|positive|negative|neutral/);
    // Delivery is on stderr, never in the run log.
    expect(lines).toEqual([
      `[alerts] alert_sent {"kind":"canary_halted","alert_kind":"halt","status":200,"tries":1}`,
    ]);
    expect(run.entries.filter((e) => e.kind.startsWith('alert'))).toEqual([]);
  });

  it('sends nothing for an alarm whose kind the job does not page', async () => {
    const hook = await receiver();
    const { dir, job } = poisonedJob({ webhook: hook.url, page: ['errors', 'coverage'] });
    const run = await simRun(dir, { seed: 1 });
    const lines: string[] = [];
    run.env.alerts = testOutbox(lines).outbox;

    const summary = await run.start(job);
    await run.env.alerts.flush(5_000);

    expect(summary.status).toBe('halted');
    expect(run.entries.some((e) => e.phase === 'alarm' && e.kind === 'canary_halted')).toBe(true);
    expect(hook.received).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('retries a receiver that is down, gives up with one line, and the run and its log are as with one that is up', async () => {
    const up = await receiver();
    const upJob = poisonedJob({ webhook: up.url });
    const upRun = await simRun(upJob.dir, { seed: 1 });
    upRun.env.alerts = testOutbox([]).outbox;
    const upSummary = await upRun.start(upJob.job);
    await upRun.env.alerts.flush(5_000);

    const down = await closedUrl();
    const { dir, job } = poisonedJob({ webhook: down });
    const run = await simRun(dir, { seed: 1 });
    const lines: string[] = [];
    const { outbox, waits } = testOutbox(lines);
    run.env.alerts = outbox;
    const summary = await run.start(job);
    expect(await outbox.flush(5_000)).toEqual({ abandoned: 0 });

    expect(summary.status).toBe('halted');
    expect(waits).toEqual([1_000, 4_000]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!.replace('[alerts] alert_failed ', ''))).toEqual({
      kind: 'canary_halted',
      alert_kind: 'halt',
      host: new URL(down).host,
      tries: 3,
      error: expect.stringContaining('ECONNREFUSED'),
    });
    // Same seed, same run log: whether the receiver was up is no part of the run.
    expect(summary.status).toBe(upSummary.status);
    expect(JSON.stringify(run.entries)).toBe(JSON.stringify(upRun.entries));
    expect(up.received).toHaveLength(1);
  });

  it('retries a receiver that answers 500 twice, then 200', async () => {
    const hook = await receiver((n) => (n <= 2 ? 500 : 200));
    const { dir, job } = poisonedJob({ webhook: hook.url });
    const run = await simRun(dir, { seed: 1 });
    const lines: string[] = [];
    const { outbox, waits } = testOutbox(lines);
    run.env.alerts = outbox;

    const summary = await run.start(job);
    await outbox.flush(5_000);

    expect(summary.status).toBe('halted');
    expect(hook.received.map((r) => r.body.kind)).toEqual([
      'canary_halted',
      'canary_halted',
      'canary_halted',
    ]);
    expect(waits).toEqual([1_000, 4_000]);
    expect(lines).toEqual([
      `[alerts] alert_sent {"kind":"canary_halted","alert_kind":"halt","status":200,"tries":3}`,
    ]);
  });

  it('gives up on a receiver that never answers at the flush bound, and abandons the delivery', async () => {
    const hook = await receiver(() => null);
    const { dir, job } = poisonedJob({ webhook: hook.url });
    const run = await simRun(dir, { seed: 1 });
    const lines: string[] = [];
    run.env.alerts = testOutbox(lines).outbox;

    const summary = await run.start(job);
    const before = performance.now();
    expect(await run.env.alerts.flush(300)).toEqual({ abandoned: 1 });
    const waited = performance.now() - before;

    expect(summary.status).toBe('halted');
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_000);
    expect(hook.received).toHaveLength(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[alerts\] alert_failed .*"tries":3,"error":"abandoned at the flush bound/);
  });

  it('a 4xx is not retried: the hook is wrong, asking again will not help', async () => {
    const hook = await receiver(() => 404);
    const lines: string[] = [];
    const { outbox, waits } = testOutbox(lines);
    const alerter = new Alerter({ webhook: hook.url, page: ['halt'] }, RUN, outbox, []);
    alerter.notify(entry('canary_halted', { reasons: ['golden score 0.25 is below the minimum 0.8'] }));
    await alerter.flush(5_000);
    expect(hook.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(lines[0]).toContain('"error":"HTTP 404"');
  });

  it('a time out of one try is retried like a network error', async () => {
    const hook = await receiver((n) => (n === 1 ? null : 200));
    const lines: string[] = [];
    const alerter = new Alerter(
      { webhook: hook.url, page: ['halt'] },
      RUN,
      testOutbox(lines, { tryTimeoutMs: 200 }).outbox,
    );
    alerter.notify(entry('halted_by_operator', { previous_status: 'running' }));
    expect(await alerter.flush(5_000)).toEqual({ abandoned: 0 });
    expect(hook.received).toHaveLength(2);
    expect(lines).toEqual([
      `[alerts] alert_sent {"kind":"halted_by_operator","alert_kind":"halt","status":200,"tries":2}`,
    ]);
  });
});

describe('batchguard run with a webhook', () => {
  /** A job whose worst case is over its ceiling: the preflight refuses it (exit 1), which pages. */
  const refusedJob = (webhook: string) =>
    jobFolder(reviews(60), { cost_ceiling_usd: 0.01, alerts: { webhook } }).dir;

  it('sends the alarm before the command returns, and exits as without one', async () => {
    const hook = await receiver();
    const result = await cliInProcess(
      ['run', 'job.yaml', '--seed', '1', '--db', 'runs.duckdb'],
      refusedJob(hook.url),
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/: refused$/m);
    expect(hook.received.map((r) => [r.body.kind, r.body.alert_kind])).toEqual([
      ['launch_refused', 'ceiling_refused'],
    ]);
    expect(hook.received[0]!.body.text).toMatch(/launch_refused \(ceiling_refused\) — rows 64/);
    expect(result.stderr).toContain(
      '[alerts] alert_sent {"kind":"launch_refused","alert_kind":"ceiling_refused","status":200,"tries":1}',
    );
    expect(result.stdout).not.toContain('alert_');
  });

  it('exits 1 for the refusal, not for a dead webhook, once its retries are spent', async () => {
    const before = performance.now();
    const result = await cliInProcess(
      ['run', 'job.yaml', '--seed', '1', '--db', 'runs.duckdb'],
      refusedJob(await closedUrl()),
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/: refused$/m);
    expect(result.stderr).toMatch(/\[alerts\] alert_failed .*"tries":3,"error":".*ECONNREFUSED/);
    // 1 s + 4 s between the tries, in real time, well inside the 10 s flush bound.
    expect(performance.now() - before).toBeGreaterThan(4_500);
    expect(performance.now() - before).toBeLessThan(15_000);
  }, 30_000);
});

const RUN = { runId: 'run-20250101T000000-abcdef', job: 'reviews', mode: 'live' } as const;

function entry(
  kind: string,
  detail: Record<string, unknown> = {},
  step = 'x',
  phase: LogEntry['phase'] = 'alarm',
): LogEntry {
  return { seq: 1, at: '2025-01-01T00:00:00.000Z', step, phase, kind, detail };
}

describe('alertKindOf', () => {
  it.each([
    ['canary_halted', 'halt'],
    ['halted_by_operator', 'halt'],
    ['validity_below_min', 'validity'],
    ['launch_refused', 'ceiling_refused'],
    ['ceiling_reached', 'ceiling_refused'],
    ['trend_alarm', 'trend_alarm'],
    ['coverage_gap', 'coverage'],
    ['missing_ids', 'coverage'],
    ['counts_disagree', 'coverage'],
    ['api_unreachable', 'errors'],
    ['cancel_failed', 'errors'],
    ['results_stream_failed', 'errors'],
    ['batch_not_found', 'errors'],
    ['create_outcome_unknown', 'errors'],
    ['orphan_unproven', 'errors'],
    ['unknown_ids', 'errors'],
    ['duplicate_lines', 'errors'],
    ['stale_source', 'errors'],
    ['rollback_conflicts', 'errors'],
  ])('%s → %s', (kind, alertKind) => {
    expect(alertKindOf(entry(kind))).toBe(alertKind);
  });

  it('a held promotion is drift for a golden score, validity for validity, and not paged again after a halted canary', () => {
    const held = (reason: string) => alertKindOf(entry('promotion_held', { reason }, 'promote'));
    expect(held('golden score 0.700 is 20.0 points below the baseline 0.900 (at most 3.0 allowed)')).toBe(
      'drift',
    );
    expect(held('golden score 0.500 is below the minimum 0.8 (0.612 allowing for 4 golden rows)')).toBe(
      'drift',
    );
    expect(
      held('validity 0.500 is below the minimum 0.9 (5 valid rows, 5 quarantined; validity over 10 answers)'),
    ).toBe('validity');
    expect(held('no row has a valid answer (0 valid rows, 5 quarantined; validity over 5 answers)')).toBe(
      'validity',
    );
    expect(held('canary halted: golden score 0.25 is below the minimum 0.80')).toBeNull();
    expect(held('something new')).toBeNull();
    expect(alertKindOf(entry('promotion_held', {}))).toBeNull();
  });

  it('reconciled is coverage only with rows left undisposed', () => {
    expect(alertKindOf(entry('reconciled', { undisposed: 3, holdReason: null }))).toBe('coverage');
    expect(alertKindOf(entry('reconciled', { undisposed: 0, holdReason: 'golden score …' }))).toBeNull();
  });

  it('an unknown alarm, or an entry that is no alarm, is not paged', () => {
    expect(alertKindOf(entry('launch_declined'))).toBeNull();
    expect(alertKindOf(entry('toString'))).toBeNull();
    expect(alertKindOf(entry('canary_halted', {}, 'canary', 'event'))).toBeNull();
    expect(alertKindOf(entry('canary_halted', {}, 'canary', 'outcome'))).toBeNull();
  });
});

describe('the payload', () => {
  it('keeps numbers and short strings, and drops rows, answers, prompts and keys by name', () => {
    const detail = scrubDetail({
      rows: 12,
      inputTokens: 4000,
      outputTokensMax: 200,
      worstCaseUsd: 0.5,
      release: false,
      submission_id: 'sub-1',
      in_flight: ['msgbatch_1', 'msgbatch_2'],
      text: 'Order 1: I love it',
      row: { id: 'rev-0001', text: 'Order 1' },
      rows_sample: ['rev-0001'],
      row_key: 42,
      output_json: '{"label":"positive"}',
      outputs: [{ label: 'positive' }],
      value: 3,
      prompt: 'Classify…',
      apiKey: 'sk-ant-api03-abc',
      api_key: 'sim-key',
      expected: { label: 'positive' },
      distribution: { positive: 50 },
      stats: { rows: 80, valid: 70, distribution: { positive: 50 }, deep: { deeper: 1 } },
      ratio: Number.NaN,
    });
    expect(detail).toEqual({
      rows: 12,
      inputTokens: 4000,
      outputTokensMax: 200,
      worstCaseUsd: 0.5,
      release: false,
      submission_id: 'sub-1',
      in_flight: ['msgbatch_1', 'msgbatch_2'],
      stats: { rows: 80, valid: 70 },
      ratio: null,
    });
  });

  it('redacts the API key and anything shaped like one, quoted parts, and caps strings and lists', () => {
    const detail = scrubDetail(
      {
        error: 'Error: 401 invalid x-api-key sim-key-123 (sk-ant-api03-AbC_d-9)',
        reason: 'canary halted: top share 1.00 ("Order 5: I love it") is above the maximum 0.90',
        what: 'x'.repeat(1000),
        ids: Array.from({ length: 50 }, (_, i) => `id-${i}`),
        mixed: [1, 'a', { row: 'no' }, null],
      },
      ['sim-key-123'],
    );
    expect(detail.error).toBe('Error: 401 invalid x-api-key [redacted] ([redacted])');
    expect(detail.reason).toBe('canary halted: top share 1.00 ("…") is above the maximum 0.90');
    expect((detail.what as string).length).toBe(STRING_MAX);
    expect((detail.what as string).endsWith('…')).toBe(true);
    expect(detail.ids).toHaveLength(10);
    expect(detail.mixed).toEqual([1, 'a', null]);
  });

  it('is one chat line from the reasons, the reason, the error or the numbers', () => {
    const text = (kind: string, detail: Record<string, unknown>) =>
      alertPayload(RUN, entry(kind, detail), 'halt').text;
    expect(
      text('canary_halted', { reasons: ['golden score 0.38 is below the minimum 0.80', 'validity 0.5 …'] }),
    ).toBe(
      'batchguard: run run-20250101T000000-abcdef of job reviews: canary_halted (halt) — golden score 0.38 is below the minimum 0.80; validity 0.5 …',
    );
    expect(text('promotion_held', { reason: 'golden score 0.7 …' })).toMatch(
      /promotion_held \(halt\) — golden score 0\.7 …$/,
    );
    expect(text('api_unreachable', { what: 'poll', error: 'fetch failed' })).toMatch(/— fetch failed$/);
    expect(text('ceiling_reached', { spent_max_usd: 1, ceiling_usd: 2, in_flight: ['x'] })).toMatch(
      /— spent_max_usd 1, ceiling_usd 2$/,
    );
    expect(text('x', { reasons: Array(5).fill('a'.repeat(150)) }).length).toBe(400);
  });

  it('carries the run, the entry and its alert kind', () => {
    expect(alertPayload(RUN, entry('launch_refused', { rows: 3 }, 'preflight'), 'ceiling_refused')).toEqual({
      text: 'batchguard: run run-20250101T000000-abcdef of job reviews: launch_refused (ceiling_refused) — rows 3',
      run_id: RUN.runId,
      job: 'reviews',
      mode: 'live',
      step: 'preflight',
      kind: 'launch_refused',
      alert_kind: 'ceiling_refused',
      at: '2025-01-01T00:00:00.000Z',
      detail: { rows: 3 },
    });
  });
});

describe('the Alerter', () => {
  it('pages only alarms of the kinds in page, once per alarm kind, and nothing without a webhook or an outbox', async () => {
    const hook = await receiver();
    const lines: string[] = [];
    const { outbox } = testOutbox(lines);
    const alerter = new Alerter({ webhook: hook.url, page: ['errors'] }, RUN, outbox);
    alerter.notify(entry('canary_halted'));
    alerter.notify(entry('api_unreachable', { what: 'poll' }, 'poll', 'event'));
    alerter.notify(entry('missing_ids', { count: 3 }));
    alerter.notify(entry('api_unreachable', { what: 'poll' }, 'poll'));
    alerter.notify(entry('api_unreachable', { what: 'fetch' }, 'fetch'));
    await alerter.flush(5_000);
    expect(hook.received.map((r) => [r.body.kind, r.body.step])).toEqual([['api_unreachable', 'poll']]);

    for (const silent of [
      new Alerter({ webhook: null, page: ['halt'] }, RUN, outbox),
      new Alerter(undefined, RUN, outbox),
      new Alerter({ webhook: hook.url, page: ['halt'] }, RUN, undefined),
    ])
      silent.notify(entry('canary_halted'));
    await outbox.flush(5_000);
    expect(hook.received).toHaveLength(1);
  });

  it('pages a trend alarm once per metric, with its numbers (the metric values stay in the log)', async () => {
    const hook = await receiver();
    const alerter = new Alerter({ webhook: hook.url, page: ['trend_alarm'] }, RUN, testOutbox([]).outbox);
    const trend = (metric: string) =>
      entry(
        'trend_alarm',
        {
          metric,
          runs: ['run-a', 'run-b', 'run-c'],
          values: [0.99, 0.97, 0.94],
          total: -0.050000000000000044,
          slope: -0.025,
          crossed: ['total'],
          totalMax: 0.03,
          slopeMax: 0.02,
        },
        'metrics',
      );
    alerter.notify(trend('validity'));
    alerter.notify(trend('validity'));
    alerter.notify(trend('golden_score'));
    await alerter.flush(5_000);
    expect(hook.received.map((r) => r.body.detail.metric)).toEqual(['validity', 'golden_score']);
    expect(hook.received[0]!.body.text).toBe(
      'batchguard: run run-20250101T000000-abcdef of job reviews: trend_alarm (trend_alarm) — metric validity, total -0.05, slope -0.025, totalMax 0.03',
    );
    expect(hook.received[0]!.body.detail).toEqual({
      metric: 'validity',
      runs: ['run-a', 'run-b', 'run-c'],
      total: -0.050000000000000044,
      slope: -0.025,
      crossed: ['total'],
      totalMax: 0.03,
      slopeMax: 0.02,
    });
  });

  it('never throws into the run, whatever the outbox or its log does', () => {
    const outbox = new AlertOutbox({
      log: () => {
        throw new Error('stderr closed');
      },
      fetch: () => {
        throw new Error('no network');
      },
      retryDelaysMs: [],
    });
    const alerter = new Alerter({ webhook: 'http://127.0.0.1:9/hook', page: ['halt'] }, RUN, outbox);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => alerter.notify(entry('canary_halted', circular))).not.toThrow();
    expect(() => alerter.notify(entry('halted_by_operator'))).not.toThrow();
    return expect(alerter.flush(1_000)).resolves.toEqual({ abandoned: 0 });
  });

  it('drops an alert beyond the bound of deliveries under way, and says so', async () => {
    const hook = await receiver(() => null);
    const lines: string[] = [];
    const outbox = new AlertOutbox({ log: (l) => lines.push(l), maxPending: 2 });
    const payload = alertPayload(RUN, entry('canary_halted'), 'halt');
    for (let i = 0; i < 3; i++) outbox.send(hook.url, payload);
    expect(lines).toEqual([
      `[alerts] alert_failed {"kind":"canary_halted","alert_kind":"halt","error":"2 alerts already under way"}`,
    ]);
    expect(await outbox.flush(100)).toEqual({ abandoned: 2 });
    expect(lines.slice(1).every((l) => l.includes('abandoned at the flush bound'))).toBe(true);
    expect(lines.join('\n')).not.toContain('secret-path');
  });
});
