import { createHash } from 'node:crypto';
import { BatchguardError, UsageError } from '../../core/errors.js';
import { formatRfc3339 } from '../../core/rfc3339.js';
import { Alerter } from '../alerts/alerter.js';
import { makeClient } from '../client.js';
import { MEMORY_LIMIT_VAR, OutOfMemoryError, type RunDb } from '../db/run-db.js';
import type { RunStatus } from '../db/schema.js';
import type { Env } from '../env.js';
import type { CanaryVerdict } from '../gate/grade-canary.js';
import { makeOutputGate } from '../gate/output-gate.js';
import type { RunCounts, RunMetrics } from '../gate/run-metrics.js';
import type { Job } from '../job/job.js';
import { jobModelProblems } from '../job/job-schema.js';
import { fenceTag } from '../prompt/render-request.js';
import { gradeCanaryStep } from './canary-step.js';
import { haltIfRequested } from './halt.js';
import { loadRows, markCanary } from './load-rows.js';
import { recordMetrics } from './metrics-step.js';
import { checkReachable } from './outage.js';
import { type CostBreakdown, preflightCost } from './preflight.js';
import type { ProgressListener } from './progress.js';
import { checkSink, hold, promote } from './promote.js';
import { type Reconciliation, reconcile } from './reconcile.js';
import { crashPoint, type RunContext } from './run-context.js';
import { type LogEntry, RunLog } from './run-log.js';
import { runPhase } from './run-phase.js';
import type { TrendAlarm } from './trend-alarms.js';

export type { RunStatus } from '../db/schema.js';

type RunState = 'plan' | 'canary' | 'main' | 'reconcile' | 'promote' | 'done';

export interface RunSummary {
  runId: string;
  status: RunStatus;
  breakdown?: CostBreakdown;
  canary?: CanaryVerdict;
  reconciliation?: Reconciliation;
  counts?: RunCounts;
  metrics?: RunMetrics;
  /** Leading metrics drifting across the job's runs (each also an alarm in the log). */
  trendAlarms?: TrendAlarm[];
}

export interface StartOptions {
  db: RunDb;
  env: Env;
  job: Job;
  mode: 'simulation' | 'live';
  seed: number | null;
  /** Asked after the preflight, before any spend (live mode asks the person at the terminal). */
  confirm?: (breakdown: CostBreakdown) => Promise<boolean>;
  onEntry?: (entry: LogEntry) => void;
  /** Told the batches' progress after each poll; nothing of it is written to the database. */
  onProgress?: ProgressListener;
  /** Told the run's id as soon as the run is recorded (before anything is sent). */
  onRunId?: (runId: string) => void;
}

/**
 * Run a job through every control: plan (input checks, preflight cost ceiling) → canary →
 * main (submit, poll, fetch, gate, requeue, escalate) → reconcile (coverage, golden drift) →
 * promote or hold. Each step's state is in DuckDB before it acts, so `resumeRun` continues
 * after a crash at any point.
 */
export async function startRun(options: StartOptions): Promise<RunSummary> {
  const { db, env, job } = options;
  refuseUnknownModels(job);
  await checkSink(db, job);
  const runId = await newRunId(db, env, runTagFor(env, job, options.seed));
  // Everything that can refuse the job (the schema, above all) is built before the run is recorded.
  const ctx = await context(db, env, job, runId, options.mode, options.onEntry, { fresh: true });
  ctx.onProgress = options.onProgress;
  const now = formatRfc3339(env.clock.now());
  await db.exec(
    `INSERT INTO runs (run_id, job_name, job_json, mode, seed, state, status, created_at, updated_at, made_at)
     VALUES (?, ?, ?, ?, ?, 'plan', 'running', ?, ?, make_timestamp(?::BIGINT * 1000))`,
    [
      runId,
      job.name,
      JSON.stringify(job),
      options.mode,
      options.seed,
      now,
      now,
      Math.floor((env.wallClock ?? env.clock).now()),
    ],
  );
  options.onRunId?.(runId);
  await ctx.log.event('plan', 'run_started', { job: job.name, mode: options.mode, seed: options.seed });
  try {
    return await continueRun(ctx, options.mode, options.confirm);
  } catch (error) {
    // Bad input found while planning (a missing column, duplicate keys…): nothing was sent, so
    // nothing of the run is kept either.
    if (isRefusalAtPlan(error) && (await readState(ctx)) === 'plan') await discardRun(ctx);
    throw error;
  }
}

/** Refuse a job whose models the price table does not know, or whose max_tokens a model cannot give. */
export function refuseUnknownModels(job: Job): void {
  const [problem] = jobModelProblems(job);
  if (problem)
    throw new UsageError(problem.code, `Failed to plan job ${job.name}: ${problem.message}.`, problem.hint);
}

/**
 * Bad input, an API that does not answer, or DuckDB out of memory, before anything was sent: the
 * run leaves no trace, and is run again.
 */
const isRefusalAtPlan = (error: unknown): boolean =>
  error instanceof UsageError ||
  (error instanceof BatchguardError && ['api_unreachable', 'duckdb_out_of_memory'].includes(error.code));

async function discardRun(ctx: RunContext): Promise<void> {
  for (const table of ['run_log', 'outcomes', 'source_rows', 'runs']) {
    await ctx.db.exec(`DELETE FROM ${table} WHERE run_id = ?`, [ctx.runId]);
  }
}

/** Continue a run after a crash, from the step its state names, with the job it started with. */
export async function resumeRun(
  db: RunDb,
  runId: string,
  env: Env,
  onEntry?: (entry: LogEntry) => void,
  onProgress?: ProgressListener,
): Promise<RunSummary> {
  const run = await db.one<{
    job_json: string;
    mode: 'simulation' | 'live';
    state: RunState;
    status: RunStatus;
  }>('SELECT job_json, mode, state, status FROM runs WHERE run_id = ?', [runId]);
  if (!run)
    throw new UsageError(
      'unknown_run',
      `Failed to resume ${runId}: no such run in ${db.path}.`,
      'List runs with `batchguard report`.',
    );
  const ctx = await context(db, env, JSON.parse(run.job_json) as Job, runId, run.mode, onEntry);
  ctx.onProgress = onProgress;
  if (run.state === 'done') return { runId, status: run.status };
  // The sink may have changed since the crash: find out now, not at promote.
  await checkSink(db, ctx.job, runId);
  await ctx.log.event('resume', 'run_resumed', { state: run.state });
  return continueRun(ctx, run.mode);
}

async function continueRun(
  ctx: RunContext,
  mode: StartOptions['mode'],
  confirm?: StartOptions['confirm'],
): Promise<RunSummary> {
  try {
    return await runSteps(ctx, confirm);
  } catch (error) {
    throw error instanceof OutOfMemoryError ? await stepOutOfMemory(ctx, mode, error) : error;
  }
}

/**
 * DuckDB ran out of its memory ceiling inside a step: the statement or transaction that failed
 * rolled back, and the run's state is still that step, holding what the step wrote before, as
 * after a crash there. Say where, and how to get past it.
 */
async function stepOutOfMemory(
  ctx: RunContext,
  mode: StartOptions['mode'],
  error: OutOfMemoryError,
): Promise<BatchguardError> {
  const state = await readState(ctx).catch(() => null);
  const again = `run the job again with a larger ceiling: \`${MEMORY_LIMIT_VAR}=1GB npx batchguard run …\``;
  return new BatchguardError(
    error.code,
    `Failed to run ${ctx.runId}${state ? ` at its ${state} step` : ''}: ${error.message}`,
    // At plan nothing was sent, and a first run drops its record (startRun): it is run again, so
    // that a live run asks again before it spends, which `resume` would not.
    state === 'plan'
      ? `Nothing was sent: ${again}.`
      : mode === 'live'
        ? `The run waits at that step, as after a crash: finish it with a larger ceiling, \`${MEMORY_LIMIT_VAR}=1GB npx batchguard resume ${ctx.runId}\`.`
        : `Nothing of it can be resumed (it ran against the in-process simulated API): ${again}.`,
    1,
  );
}

async function runSteps(ctx: RunContext, confirm?: StartOptions['confirm']): Promise<RunSummary> {
  const summary: RunSummary = { runId: ctx.runId, status: 'running' };
  // The state is read once: from then on this process is the run's only writer (another process
  // cannot open the database; `halt` asks through haltIfRequested), so each step's setState is it.
  let state = await readState(ctx);
  while (state !== 'done') {
    crashPoint(ctx, `state:${state}`);
    await haltIfRequested(ctx);
    if (state === 'plan') {
      const { source } = await loadRows(ctx);
      const breakdown = await preflightCost(ctx);
      summary.breakdown = breakdown;
      if (breakdown.worstCaseUsd > breakdown.ceilingUsd) {
        await ctx.log.alarm('preflight', 'launch_refused', { ...breakdown });
        return finish(ctx, summary, 'refused');
      }
      await ctx.log.outcome('preflight', 'cost_within_ceiling', { ...breakdown });
      if (confirm && !(await confirm(breakdown))) {
        await ctx.log.event('preflight', 'launch_declined', {});
        return finish(ctx, summary, 'refused');
      }
      await checkReachable(ctx);
      if (ctx.job.canary.enabled)
        await ctx.log.event('plan', 'canary_marked', { rows: await markCanary(ctx, source) });
      state = await setState(ctx, ctx.job.canary.enabled ? 'canary' : 'main');
    } else if (state === 'canary') {
      await runPhase(ctx, 'canary');
      summary.canary = await gradeCanaryStep(ctx);
      if (!summary.canary.release) {
        const reason = `canary halted: ${summary.canary.reasons.join('; ')}`;
        summary.reconciliation = await reconcile(ctx, { heldBy: reason });
        await hold(ctx, reason);
        // A canary's metrics are a slice's: recorded, but not fitted into the job's trend.
        Object.assign(summary, await recordMetrics(ctx, summary.canary.goldenScore, { trend: false }));
        return finish(ctx, summary, 'halted');
      }
      state = await setState(ctx, 'main');
    } else if (state === 'main') {
      await runPhase(ctx, 'main');
      state = await setState(ctx, 'reconcile');
    } else if (state === 'reconcile') {
      summary.reconciliation = await reconcile(ctx);
      if (summary.reconciliation.holdReason) {
        await hold(ctx, summary.reconciliation.holdReason);
        Object.assign(summary, await recordMetrics(ctx, summary.reconciliation.goldenScore));
        return finish(ctx, summary, 'held');
      }
      state = await setState(ctx, 'promote');
    } else if (state === 'promote') {
      await promote(ctx);
      summary.reconciliation ??= await reconcileSnapshot(ctx);
      Object.assign(summary, await recordMetrics(ctx, summary.reconciliation.goldenScore));
      return finish(ctx, summary, 'promoted');
    }
  }
  return summary;
}

/** After a resume into `promote`, the reconciliation of the crashed process is recomputed (read-only). */
async function reconcileSnapshot(ctx: RunContext): Promise<Reconciliation> {
  const row = await ctx.db.one<{ detail: string }>(
    "SELECT detail FROM run_log WHERE run_id = ? AND kind = 'reconciled' ORDER BY seq DESC LIMIT 1",
    [ctx.runId],
  );
  return JSON.parse(row?.detail ?? '{}') as Reconciliation;
}

async function finish(ctx: RunContext, summary: RunSummary, status: RunStatus): Promise<RunSummary> {
  await ctx.db.exec("UPDATE runs SET state = 'done', status = ?, updated_at = ? WHERE run_id = ?", [
    status,
    formatRfc3339(ctx.env.clock.now()),
    ctx.runId,
  ]);
  await ctx.log.event('done', 'run_finished', { status });
  summary.status = status;
  return summary;
}

async function readState(ctx: RunContext): Promise<RunState> {
  const row = await ctx.db.one<{ state: RunState }>('SELECT state FROM runs WHERE run_id = ?', [ctx.runId]);
  return row!.state;
}

async function setState(ctx: RunContext, state: RunState): Promise<RunState> {
  await ctx.db.exec('UPDATE runs SET state = ?, updated_at = ? WHERE run_id = ?', [
    state,
    formatRfc3339(ctx.env.clock.now()),
    ctx.runId,
  ]);
  await ctx.log.event('state', 'entered', { state });
  return state;
}

async function context(
  db: RunDb,
  env: Env,
  job: Job,
  runId: string,
  mode: 'simulation' | 'live',
  onEntry?: (entry: LogEntry) => void,
  /** A run id just made (newRunId): its log is empty, so there is nothing to read. */
  { fresh }: { fresh: boolean } = { fresh: false },
): Promise<RunContext> {
  // Alarms of a kind the job pages go to its webhook through env.alerts (never env.fetch: in
  // simulation that is the simulated API); without env.alerts nothing pages.
  const alerter = new Alerter(job.alerts, { runId, job: job.name, mode }, env.alerts, [env.apiKey]);
  return {
    db,
    env,
    job,
    runId,
    log: fresh
      ? RunLog.empty(db, runId, env.clock, onEntry ?? (() => {}), alerter)
      : await RunLog.open(db, runId, env.clock, onEntry ?? (() => {}), alerter),
    client: makeClient(env),
    gate: makeOutputGate(job.schema, { quoteFields: job.quoteFields }),
    runTag: runTagOf(runId),
    fence: job.fence ? fenceTag(runTagOf(runId)) : null,
    goldenFence: job.fence ? fenceTag(`golden:${job.name}`) : null,
  };
}

/**
 * A run's tag: in simulation six hex digits of sha256(job name, seed), so the same seed gives the
 * same run (its ids, fence and answers) in any database, however many runs it holds; in live
 * mode six random hex digits, so two live runs of one job never share a custom_id.
 */
export function runTagFor(env: Env, job: Job, seed: number | null): string {
  if (seed === null && env.randomTag) return env.randomTag();
  return createHash('sha256').update(`${job.name}|${seed}`).digest('hex').slice(0, 6);
}

/** The tag of a run id (`run-<stamp>-<tag>` or `run-<stamp>-<tag>-<n>`). */
export function runTagOf(runId: string): string {
  const tag = runId.split('-')[2] ?? '';
  if (!/^[0-9a-f]{6}$/.test(tag)) throw new Error(`run id ${runId} carries no run tag`);
  return tag;
}

/**
 * `run-<UTC time, compact>-<tag>`: readable and ordered. A second run of the same seed in the
 * same database (the same tag at the same simulated time) is told apart by a `-2`, `-3`… suffix;
 * it keeps the tag, so it is the same run again.
 */
async function newRunId(db: RunDb, env: Env, tag: string): Promise<string> {
  const stamp = formatRfc3339(env.clock.now()).replace(/[-:]/g, '').slice(0, 15);
  const base = `run-${stamp}-${tag}`;
  // The next suffix after the highest taken (a discarded run leaves a gap, never a clash).
  const taken = await db.one<{ n: number | null }>(
    `SELECT max(CASE WHEN run_id = $1 THEN 1 ELSE TRY_CAST(substr(run_id, length($1) + 2) AS INTEGER) END)::INTEGER AS n
     FROM runs WHERE run_id = $1 OR starts_with(run_id, $1 || '-')`,
    [base],
  );
  return taken?.n ? `${base}-${taken.n + 1}` : base;
}
