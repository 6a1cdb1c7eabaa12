import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ROOT } from './source-files.js';
import { cliInProcess } from './support/cli-in-process.js';
import { jobFolder } from './support/pipeline-harness.js';
import { BIN, startServe } from './support/serve-process.js';

const FORBID_MSW = join(ROOT, 'test/support/forbid-msw.mjs');
const KEY = 'sk-ant-test-DO-NOT-LEAK-4f9a2c';

/** `batchguard …` in a process where msw cannot load, pointed at `url` with the test key. */
function live(args: string[], cwd: string, url: string, env: Record<string, string> = {}) {
  return spawn(process.execPath, ['--import', FORBID_MSW, BIN, ...args], {
    cwd,
    env: { ...process.env, ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: KEY, ...env },
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

function filesContain(dir: string, needle: string): string[] {
  return readdirSync(dir).filter((name) => readFileSync(join(dir, name)).includes(needle));
}

describe('live mode against batchguard serve over real HTTP', () => {
  let serve: ChildProcess | undefined;
  afterEach(() => {
    serve?.kill('SIGINT');
  });

  it('runs the job end to end through the live code path, with no msw in the process', async () => {
    const { dir } = jobFolder(120, 'poll_interval_seconds: 1');
    const served = await startServe(['--time-scale', '20000']);
    serve = served.child;
    const { code, out } = await finished(
      live(['run', 'job.yaml', '--live', '--yes', '--db', 'runs.duckdb'], dir, served.url),
    );
    expect(out).toContain(': promoted');
    expect(out).toContain('coverage 100.0%');
    expect(code).toBe(0);
    const truth = await (await fetch(`${served.url}/_sim/ground-truth`)).json();
    expect(truth.billing.length).toBe(2); // the canary and the main batch, each billed once
    expect(out).not.toContain(KEY);
    expect(filesContain(dir, KEY)).toEqual([]);
  });

  it('rehearses a job of any shape: `serve --job` teaches the simulated model that job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-live-tickets-'));
    cpSync(join(ROOT, 'examples/support-tickets'), dir, { recursive: true });
    const job = YAML.parse(readFileSync(join(dir, 'job.yaml'), 'utf8'));
    writeFileSync(join(dir, 'job.yaml'), YAML.stringify({ ...job, poll_interval_seconds: 1 }));
    const served = await startServe(['--time-scale', '20000', '--job', join(dir, 'job.yaml')]);
    serve = served.child;
    const { code, out } = await finished(
      live(['run', 'job.yaml', '--live', '--yes', '--db', 'runs.duckdb'], dir, served.url),
    );
    expect(out).toMatch(/: promoted\n/);
    expect(out).toMatch(/coverage 100\.0%.*golden (9\d|100)\.\d%/);
    expect(code).toBe(0);
  });

  it('resumes after the process is killed mid-run, billing no batch twice', async () => {
    const { dir } = jobFolder(120, 'poll_interval_seconds: 1');
    // Slow enough that the main batch is still processing when the process dies.
    const served = await startServe(['--time-scale', '600']);
    serve = served.child;
    const first = live(['run', 'job.yaml', '--live', '--yes', '--db', 'runs.duckdb'], dir, served.url);
    const exited = new Promise((resolve) => first.on('exit', resolve));
    let out = '';
    first.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/batch_created submission_id=s0002,/.test(out)) first.kill('SIGKILL');
    });
    await exited;
    expect(out).toMatch(/batch_created submission_id=s0002,/);
    expect(out).not.toContain('run_finished');
    const report = await cliInProcess(['report', '--db', 'runs.duckdb', '--format', 'json'], dir);
    const run = JSON.parse(report.stdout).runs[0];
    expect(run.status).toBe('running');

    const resumed = await finished(live(['resume', run.run_id, '--db', 'runs.duckdb'], dir, served.url));
    expect(resumed.out).toContain(`run ${run.run_id}: promoted`);
    expect(resumed.out).toContain('coverage 100.0%');
    expect(resumed.code).toBe(0);
    // The resumed run shows its progress through the batch it picked up, as run does.
    expect(resumed.out).toMatch(
      /^\[progress\] main round 1 · s0002 (\d+)\/\1 done · spend ≤ \$[\d.]+ of \$[\d,.]+ · batches ended$/m,
    );
    // And so did the live run before it was killed, each poll's counts included.
    expect(out).toMatch(/^\[progress\] canary round 1 · s0001 \d+\/\d+/m);
    const headers = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };
    const batches = await (await fetch(`${served.url}/v1/messages/batches?limit=100`, { headers })).json();
    expect(batches.data).toHaveLength(2); // the canary and the main batch: nothing submitted twice
    const truth = await (await fetch(`${served.url}/_sim/ground-truth`)).json();
    expect(truth.billing).toHaveLength(2);
  });

  // The refusals run the binary's `main` in this process: they come before any request.
  const unreachable = { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ANTHROPIC_API_KEY: KEY };

  it('refuses to launch without a terminal to confirm on unless --yes', async () => {
    const { dir } = jobFolder(10);
    const result = await cliInProcess(['run', 'job.yaml', '--live', '--db', 'runs.duckdb'], dir, unreachable);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Pass --yes');
  });

  it('refuses to start a live run without ANTHROPIC_API_KEY', async () => {
    const { dir } = jobFolder(10);
    const result = await cliInProcess(['run', 'job.yaml', '--live', '--yes'], dir, {
      ...unreachable,
      ANTHROPIC_API_KEY: undefined,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('ANTHROPIC_API_KEY is not set');
  });
});
