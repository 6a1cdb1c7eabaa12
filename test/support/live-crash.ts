import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { RunDb } from '../../src/pipeline/db/run-db.js';
import { ROOT } from '../source-files.js';
import { BIN } from './serve-process.js';

/*
 * The live-mode crash harness's moving parts: the real CLI in its own process against a real
 * `batchguard serve`, killed with SIGKILL at a chosen moment (a run-log line it prints, or a
 * random delay), and the world's ground truth read back over HTTP to check what it billed.
 */

const FORBID_MSW = join(ROOT, 'test/support/forbid-msw.mjs');
const KEY = 'sk-ant-crash-harness';

/** When to kill a run: on the first printed line matching `line`, or `afterMs` after its start. */
export type KillMoment = { name: string; line: RegExp } | { name: string; afterMs: number };

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** `batchguard …args` in live mode against `url`, in a process where msw cannot load. */
export function liveProcess(args: readonly string[], cwd: string, url: string): ChildProcess {
  return spawn(process.execPath, ['--import', FORBID_MSW, BIN, ...args], {
    cwd,
    env: { ...process.env, ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: KEY, CI: 'true' },
  });
}

/** Wait for a process to exit, killing it with SIGKILL at `kill` if given; bounded by `limitMs`. */
export function finished(child: ChildProcess, kill?: KillMoment, limitMs = 120_000): Promise<Finished> {
  let out = '';
  let killed = false;
  const killNow = () => {
    if (killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    if (kill && 'line' in kill && kill.line.test(out)) killNow();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const timers: NodeJS.Timeout[] = [setTimeout(killNow, limitMs)];
  if (kill && 'afterMs' in kill) timers.push(setTimeout(killNow, kill.afterMs));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, out });
    }),
  );
}

/** Every batch the world holds, with the run tag its custom_ids carry (read from its results). */
export async function worldBatches(url: string): Promise<{ id: string; requests: number; tags: string[] }[]> {
  const headers = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
  const listed = (await (await fetch(`${url}/v1/messages/batches?limit=1000`, { headers })).json()) as {
    data: {
      id: string;
      processing_status: string;
      results_url: string | null;
      request_counts: Record<string, number>;
    }[];
  };
  const batches = [];
  for (const batch of listed.data) {
    const requests = Object.values(batch.request_counts).reduce((a, b) => a + b, 0);
    let tags: string[] = [];
    if (batch.results_url) {
      const text = await (await fetch(batch.results_url, { headers })).text();
      const ids = text
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { custom_id: string }).custom_id);
      tags = [...new Set(ids.map((id) => id.slice(-6)))];
    }
    batches.push({ id: batch.id, requests, tags });
  }
  return batches;
}

/** The world's bill per batch id. */
export async function billing(url: string): Promise<Map<string, number>> {
  const truth = (await (await fetch(`${url}/_sim/ground-truth`)).json()) as {
    billing: { batchId: string; costUsd: number }[];
  };
  const byBatch = new Map<string, number>();
  for (const entry of truth.billing)
    byBatch.set(entry.batchId, (byBatch.get(entry.batchId) ?? 0) + entry.costUsd);
  return byBatch;
}

/** What one run database says of its (only) run, read after its processes have exited; released after. */
export async function runRecord(dbFile: string) {
  const db = await RunDb.open(dbFile);
  try {
    const run = (await db.one<{ run_id: string; status: string; state: string }>(
      'SELECT run_id, status, state FROM runs',
    ))!;
    const batches = await db.all<{ batch_id: string; request_count: number }>(
      'SELECT batch_id, request_count FROM submission_batches WHERE run_id = ? AND batch_id IS NOT NULL',
      [run.run_id],
    );
    const rows = await db.one<{ source: number; disposed: number; once: number }>(
      `SELECT (SELECT count(*) FROM source_rows WHERE run_id = $1 AND NOT is_golden)::INTEGER AS source,
              (SELECT count(*) FROM row_dispositions WHERE run_id = $1)::INTEGER AS disposed,
              (SELECT count(DISTINCT row_key) FROM row_dispositions WHERE run_id = $1)::INTEGER AS once`,
      [run.run_id],
    );
    return { ...run, tag: run.run_id.split('-')[2]!, batches, rows: rows! };
  } finally {
    db.close();
    await RunDb.release(dbFile); // let go of the file: the next batchguard process needs it
  }
}
