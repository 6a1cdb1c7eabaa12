import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './source-files.js';
import { cli, cliInProcess } from './support/cli-in-process.js';
import { reviewRequests } from './support/requests.js';
import { startServe } from './support/serve-process.js';

describe('batchguard serve', () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    // SIGINT lets serve remove its results folder; SIGKILL only if it does not stop.
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGINT');
    const stopped = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 5_000)),
    ]);
    if (stopped === 'timeout') child.kill('SIGKILL');
  });

  it('runs a batch to its end for the official SDK over real HTTP, driven by the admin clock route', async () => {
    const served = await startServe(['--seed', '7']);
    child = served.child;
    expect(served.output()).toMatch(/^seed: 7$/m);
    const client = new Anthropic({ apiKey: 'sim-key', baseURL: served.url, maxRetries: 0 });
    const created = await client.messages.batches.create({ requests: reviewRequests(5) });
    expect(created.processing_status).toBe('in_progress');

    const advanced = await fetch(`${served.url}/_sim/clock/advance`, {
      method: 'POST',
      body: '{"seconds": 3600}',
    });
    expect(advanced.status).toBe(200);
    const batch = await client.messages.batches.retrieve(created.id);
    expect(batch.processing_status).toBe('ended');
    expect(batch.results_url?.startsWith(served.url)).toBe(true);
    const ids: string[] = [];
    for await (const row of await client.messages.batches.results(created.id)) ids.push(row.custom_id);
    expect(ids.sort()).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4']);

    const truth = await (await fetch(`${served.url}/_sim/ground-truth`)).json();
    expect(truth.billing[0]).toMatchObject({ batchId: created.id, succeededRows: 5 });

    const exited = new Promise((resolve) => served.child.on('exit', resolve));
    served.child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it("acts out a scenario's faults on the API, with their evidence in the ground truth", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-serve-'));
    const scenario = join(dir, 'drops.yaml');
    writeFileSync(
      scenario,
      [
        'title: Half the lines go missing',
        'failure_mode: silent_partial_drop',
        'faults:',
        '  silent_partial_drop:',
        '    missing_rate: 0.5',
        'expect:',
        '  control: reconcile',
      ].join('\n'),
    );
    const served = await startServe(['--scenario', scenario, '--seed', '3']);
    child = served.child;
    expect(served.output()).toContain('[sim] scenario drops: Half the lines go missing');
    expect(served.output()).toContain('[sim]   silent_partial_drop: acts on the API');
    const client = new Anthropic({ apiKey: 'sim-key', baseURL: served.url, maxRetries: 0 });
    const created = await client.messages.batches.create({ requests: reviewRequests(40) });
    await fetch(`${served.url}/_sim/clock/advance`, { method: 'POST', body: '{"seconds": 3600}' });
    const ids: string[] = [];
    for await (const row of await client.messages.batches.results(created.id)) ids.push(row.custom_id);

    const truth = await (await fetch(`${served.url}/_sim/ground-truth`)).json();
    const missing = truth.evidence.filter((e: { kind: string }) => e.kind === 'missing');
    expect(missing.length).toBeGreaterThan(5);
    expect(ids).toHaveLength(40 - missing.length);
    for (const e of missing) expect(ids).not.toContain(e.id);
    expect((await client.messages.batches.retrieve(created.id)).request_counts.succeeded).toBe(40);
  });

  it('lets virtual time run at a multiple of real time, so batches end with no admin call', async () => {
    const served = await startServe(['--time-scale', '36000']);
    child = served.child;
    const client = new Anthropic({ apiKey: 'sim-key', baseURL: served.url, maxRetries: 0 });
    const { id } = await client.messages.batches.create({ requests: reviewRequests(3) });
    let status = 'in_progress';
    for (let i = 0; i < 100 && status !== 'ended'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await client.messages.batches.retrieve(id)).processing_status;
    }
    expect(status).toBe('ended');
  });

  it('refuses a bad advance body with a 400 naming what to send', async () => {
    const served = await startServe([]);
    child = served.child;
    const response = await fetch(`${served.url}/_sim/clock/advance`, {
      method: 'POST',
      body: '{"seconds": -5}',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toContain('{"seconds": N}');
  });

  it.each([
    ['--port', 'abc'],
    ['--port', '70000'],
    ['--seed', '-1'],
    ['--seed', '1.5'],
    ['--time-scale', '0'],
    ['--api-key', ''],
    ['--queue-limit', '0'],
    ['--host', '999.1.1.1'],
  ])('rejects %s %s with a one-line error naming the flag and exit code 2', async (flag, value) => {
    // In this process (the same `main` as the binary's): a refusal comes before any listening.
    const result = await cliInProcess(['serve', flag, value], ROOT);
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(flag);
  });

  it('rejects an unknown flag and an unknown command with exit code 2', async () => {
    const flag = await cliInProcess(['serve', '--prot', '1'], ROOT);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--prot'");
    const command = cli(['srve'], ROOT); // through the binary: its exit code is the process's
    expect(command.status).toBe(2);
    expect(command.stderr).toContain('Unknown command "srve"');
  });

  it('reports a port already in use as bad input, exit code 2', async () => {
    const served = await startServe([]);
    child = served.child;
    const port = new URL(served.url).port;
    const result = cli(['serve', '--port', port], ROOT);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('EADDRINUSE');
  });

  it('tells a client the key it was given, and answers that key only', async () => {
    const served = await startServe(['--api-key', 'team-key']);
    child = served.child;
    while (!served.output().includes('ANTHROPIC_API_KEY')) await new Promise((r) => setTimeout(r, 20));
    expect(served.output()).toContain(`ANTHROPIC_BASE_URL=${served.url} ANTHROPIC_API_KEY=team-key\n`);
    const client = (apiKey: string) => new Anthropic({ apiKey, baseURL: served.url, maxRetries: 0 });
    const page = await client('team-key').messages.batches.list();
    expect(page.data).toEqual([]);
    // The API's own words for a key it does not know (reference, CAPTURE-OR).
    await expect(client('sim-key').messages.batches.list()).rejects.toMatchObject({
      status: 401,
      error: { type: 'error', error: { type: 'authentication_error', message: 'API key is invalid.' } },
    });
  });

  it('refuses a create past its processing queue limit with 429 until requests finish', async () => {
    const served = await startServe(['--queue-limit', '10', '--time-scale', '1']);
    child = served.child;
    const client = new Anthropic({ apiKey: 'sim-key', baseURL: served.url, maxRetries: 0 });
    await client.messages.batches.create({ requests: reviewRequests(8) });
    const refused = client.messages.batches.create({ requests: reviewRequests(5) });
    await expect(refused).rejects.toMatchObject({
      status: 429,
      error: { error: { type: 'rate_limit_error' } },
    });
    const error = (await refused.catch((e: unknown) => e)) as { headers: Headers };
    expect(error.headers.get('retry-after')).toBe('60');
    await fetch(`${served.url}/_sim/clock/advance`, { method: 'POST', body: '{"seconds": 3600}' });
    const accepted = await client.messages.batches.create({ requests: reviewRequests(5) });
    expect(accepted.processing_status).toBe('in_progress');
  });
});
