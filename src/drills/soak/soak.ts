import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { removeScratch, scratchFolder } from '../../core/scratch-folder.js';
import type { DrillBase } from '../drill-base.js';
import { runSoakSeed, type SoakResult } from './soak-run.js';

/*
 * The soak's pool: run i of a soak with seed S is run seed S + i (soak-case.ts draws it from that
 * alone), spread over worker processes, each result handed to `onResult` as it arrives, in no
 * fixed order. With no workers the runs go one after another in this process (tests use that to
 * run the soak beside a mocked pipeline module). Worker processes load the TypeScript sources
 * through tsx, as bin/batchguard.js does, and keep their scratch databases in a temp folder of
 * the soak's own (on /dev/shm when there is one: DuckDB's commits on a memory-backed folder cost
 * a fraction of a disk's), which is removed when the soak ends, however it ends.
 */

/** Parent → worker: run this seed. */
export interface ToWorker {
  seed: number;
}

/** Worker → parent: loaded and waiting, could not load, or a run's result. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'broken'; message: string }
  | { type: 'result'; result: SoakResult };

export interface SoakOptions {
  seed: number;
  runs: number;
  /** Worker processes; 0 runs every case in this process. */
  workers: number;
  /** The job file the workers load (absent: the shipped example). */
  jobFile?: string;
  /** The same job, loaded, for runs in this process. */
  base?: DrillBase;
  /** Wall-clock milliseconds, and a real wait: the pool times runs and bounds the stop with them. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Resolves when the soak should stop: no run is dispatched after it. */
  stop: Promise<void>;
  onResult: (result: SoakResult) => void;
}

export interface SoakOutcome {
  /** Every run that finished, in the order they finished. */
  results: SoakResult[];
  /** Whether `stop` came before the soak ended (then some runs were not run). */
  interrupted: boolean;
}

/** How long runs in flight may take to finish after a stop, before their workers are killed, ms. */
const STOP_GRACE_MS = 15_000;
const STOP_POLL_MS = 100;

/**
 * libuv threads per worker (Node's default is 4), which carry each DuckDB call and file operation:
 * with a worker per core, four each spent more time handing work between threads than doing it
 * (a run here: about 1.1 s of CPU and 2.2 s of wall time at 4, 0.95 s and 1.2 s at 2).
 */
const UV_THREADS = '2';

const WORKER = fileURLToPath(new URL('./soak-worker.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));

/** Run the soak's runs and hand over each result; resolves once every worker is gone. */
export async function runSoak(options: SoakOptions): Promise<SoakOutcome> {
  let stopped = false;
  void options.stop.then(() => {
    stopped = true;
  });
  const results: SoakResult[] = [];
  const take = (result: SoakResult) => {
    results.push(result);
    options.onResult(result);
  };
  if (options.workers === 0) {
    for (let i = 0; i < options.runs && !stopped; i++)
      take(await runSoakSeed(options.seed + i, options.now, options.base));
    return { results, interrupted: stopped };
  }
  // Removed however the soak ends: here, or as the process exits (a second Ctrl-C ends it at once).
  const scratch = scratchFolder('batchguard-soak-');
  try {
    await pool(options, scratch, take, () => stopped);
  } finally {
    removeScratch(scratch);
  }
  return { results, interrupted: stopped };
}

/** The worker processes, each fed one seed at a time until the seeds run out or the soak stops. */
async function pool(
  options: SoakOptions,
  scratch: string,
  take: (result: SoakResult) => void,
  stopped: () => boolean,
): Promise<void> {
  let next = 0;
  const count = Math.min(options.workers, options.runs);
  const children = Array.from({ length: count }, () => spawnWorker(options.jobFile, scratch));
  const finished = children.map((child) => workerDone(child, options, take, stopped, () => next++));
  // A stop lets the runs in hand finish, for a while; then their workers are killed. The wait is
  // a short poll, so that a soak that ends in time is not held up by a long timer.
  let settled = false;
  void options.stop.then(async () => {
    for (let waited = 0; !settled && waited < STOP_GRACE_MS; waited += STOP_POLL_MS)
      await options.sleep(STOP_POLL_MS);
    if (!settled) for (const child of children) child.kill('SIGKILL');
  });
  try {
    await Promise.all(finished);
  } finally {
    settled = true;
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Fork one worker: tsx loaded (the project's tsconfig, wherever the soak is typed), its temp folder the soak's. */
function spawnWorker(jobFile: string | undefined, scratch: string): ChildProcess {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return fork(WORKER, [jobFile ?? '', scratch], {
    execArgv: ['--import', tsx],
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, UV_THREADPOOL_SIZE: UV_THREADS },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
}

/**
 * Feed one worker seeds until none is left or the soak stops, then let it go; resolves when it
 * has exited. A worker that dies mid-run costs that run: it is reported as a failed run with
 * what the worker last wrote to standard error, not lost.
 */
function workerDone(
  child: ChildProcess,
  options: SoakOptions,
  take: (result: SoakResult) => void,
  stopped: () => boolean,
  claim: () => number,
): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  let inFlight: { seed: number; since: number } | null = null;
  let broken: string | null = null;
  const feed = () => {
    const index = stopped() ? options.runs : claim();
    if (index >= options.runs) {
      inFlight = null;
      if (child.connected) child.disconnect();
      return;
    }
    inFlight = { seed: options.seed + index, since: options.now() };
    child.send({ seed: inFlight.seed } satisfies ToWorker);
  };
  child.on('message', (message: FromWorker) => {
    if (message.type === 'broken') broken = message.message;
    else if (message.type === 'result') take(message.result);
    if (message.type !== 'broken') feed();
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (broken !== null) reject(new Error(`a soak worker could not start: ${broken}`));
      else if (inFlight !== null && !stopped()) {
        take(diedMidRun(inFlight.seed, options.now() - inFlight.since, code, signal, stderr));
        resolve();
      } else resolve();
    });
    child.on('error', reject);
  });
}

/** The result of a run whose worker died under it: a failure, with the worker's last words. */
function diedMidRun(
  seed: number,
  ms: number,
  code: number | null,
  signal: string | null,
  stderr: string,
): SoakResult {
  const last = stderr.trim().split('\n').slice(-3).join(' ');
  return {
    seed,
    faults: [],
    crash: null,
    status: 'error',
    skipped: [],
    firedByFamily: {},
    alarmsByKind: {},
    failures: [
      `error: the worker process died during the run (${signal ?? `exit code ${code}`})${last ? `: ${last}` : ''}`,
    ],
    ms,
  };
}
