import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { formatCount, formatUsd } from '../core/numbers.js';
import type { Env } from '../pipeline/env.js';
import { loadJob } from '../pipeline/job/load-job.js';
import { checkJobSource } from '../pipeline/job/source-profile.js';
import { DEFAULT_BASE_URL, liveEnv } from '../pipeline/live-env.js';
import type { CostBreakdown } from '../pipeline/run/preflight.js';
import { type RunSummary, refuseUnknownModels, startRun } from '../pipeline/run/run-job.js';
import { haltRequestedIn } from './halt-request.js';
import type { Io } from './io.js';
import { DEFAULT_DB, openDb } from './open-db.js';
import { withArgs } from './parse-command.js';
import { formatEntry, summaryLines } from './print-run.js';
import { RunProgressView } from './run-progress.js';
import { simulatedEnv } from './simulated-env.js';
import { USAGE } from './usage.js';

const RUN_USAGE = USAGE.run;

/**
 * How long `run` and `resume` wait at their end for alarms still being sent to the job's webhook
 * (retries included), real milliseconds: long enough for a slow hook, short enough that a dead
 * one never holds up a scheduler. What is left then is abandoned, with a line on stderr.
 */
export const ALERT_FLUSH_MS = 10_000;

/**
 * `batchguard run`: a job through the pipeline, against the in-process simulated API (default,
 * `--seed N`) or the live API (`--live`). The pipeline code is the same; only the Env differs.
 */
export const runCommand = withArgs('run', async ({ values, positional: jobFile }, io) => {
  if (values.yes && !values.live)
    throw new UsageError(
      'usage',
      'Failed to run: --yes only means something with --live.',
      `Usage: ${RUN_USAGE}`,
    );
  if (values.live && values.seed !== undefined)
    throw new UsageError(
      'usage',
      'Failed to run: --seed is for simulation; a live run has no seed.',
      `Usage: ${RUN_USAGE}`,
    );
  if (values.live && values.scenario !== undefined)
    throw new UsageError(
      'usage',
      'Failed to run: --scenario puts faults in the simulated world; a live run has none.',
      `Usage: ${RUN_USAGE}`,
    );
  const job = await loadJob(jobFile);
  // Every check of the job against its source and the price table, before anything is printed
  // as a run or written: a wrong placeholder or model costs a line, not a run record.
  refuseUnknownModels(job);
  await checkJobSource(job);
  // A scenario's faults in the simulated API, as `serve --scenario` acts them out: what a fault
  // does to the job, its rows or its process needs a drill.
  const scenario =
    values.scenario === undefined
      ? null
      : await (await import('../drills/scenario.js')).loadScenario(values.scenario);
  const seed = values.live ? null : (values.seed ?? scenario?.seed ?? 1);
  const dbPath = values.db ?? DEFAULT_DB;
  let env: Env;
  let dispose = () => {};
  if (values.live) {
    env = { ...liveEnv(process.env, io.err), haltRequested: haltRequestedIn(dbPath) };
  } else {
    const sim = await simulatedEnv(job, seed!, scenario, io);
    env = sim.env;
    dispose = () => sim.world.dispose();
  }
  const db = await openDb(dbPath, false);
  // Once the database has opened (a bad --db or BATCHGUARD_DUCKDB_* is refused with nothing printed).
  if (seed !== null)
    io.out(`seed: ${seed}${scenario ? `, scenario ${scenario.name}: its faults in the simulated API` : ''}`);
  const progress = new RunProgressView(io);
  try {
    const summary = await startRun({
      db,
      env,
      job,
      mode: values.live ? 'live' : 'simulation',
      seed,
      confirm:
        values.live && !values.yes
          ? (breakdown) => confirmSpend(io, breakdown, job.models.primary, env.baseURL)
          : undefined,
      onEntry: (entry) => {
        progress.entry(entry);
        io.out(formatEntry(entry));
      },
      onProgress: (p) => progress.progress(p),
      // A live run can outlive this process: say at once how to pick it up again.
      onRunId: values.live
        ? (runId) =>
            io.out(`run ${runId} started; if this process stops: batchguard resume ${runId} --db ${dbPath}`)
        : undefined,
    });
    for (const line of summaryLines(summary, resolve(dbPath))) io.out(line);
    const code = runExitCode(summary);
    if (seed !== null && code !== 0)
      io.out(
        `reproduce: npx batchguard run ${jobFile} --seed ${seed}${values.db === undefined ? '' : ` --db ${values.db}`}`,
      );
    return code;
  } finally {
    progress.end();
    await env.alerts?.flush(ALERT_FLUSH_MS);
    dispose();
    db.close();
  }
});

/**
 * 0 for a promoted run that raised no validity alarm; 1 for any other end (halted, held, refused)
 * and for a promoted run whose validity fell below `validity_min`: it delivered its valid rows,
 * but a job or scheduler reading only the exit code must hear of the alarm.
 */
export function runExitCode(summary: RunSummary): 0 | 1 {
  const alarmed = summary.reconciliation?.validityBelowMin || (summary.trendAlarms?.length ?? 0) > 0;
  return summary.status === 'promoted' && !alarmed ? 0 : 1;
}

async function confirmSpend(
  io: Io,
  b: CostBreakdown,
  model: string,
  baseURL: string | undefined,
): Promise<boolean> {
  if (!io.interactive) {
    throw new UsageError(
      'needs_confirmation',
      'Failed to start a live run: there is no terminal to confirm the spend on.',
      'Pass --yes to launch without asking.',
    );
  }
  const answer = await io.ask(`${launchQuestion(b, model, baseURL)} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

/**
 * What a live run asks before it spends: the requests, the model, the endpoint it will call (the
 * real API, or the base URL in use, such as `batchguard serve`), and the worst case against the
 * ceiling.
 */
export function launchQuestion(b: CostBreakdown, model: string, baseURL: string | undefined): string {
  const url = baseURL ?? DEFAULT_BASE_URL;
  const endpoint =
    url.replace(/\/+$/, '') === DEFAULT_BASE_URL ? `${url} (the real API: this is billed)` : url;
  return `Launch ${formatCount(b.rows)} requests to ${model} at ${endpoint}, worst case ${formatUsd(b.worstCaseUsd)} (ceiling ${formatUsd(b.ceilingUsd)})?`;
}
