import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { ROOT } from './source-files.js';
import { type CliResult, cliInProcess, cli as cliProcess } from './support/cli-in-process.js';
import { jobFolder, reviews } from './support/pipeline-harness.js';

/*
 * `batchguard gameday`, `drill`, `halt` and `assess` as a person (or a CI job) types them. A few
 * shipped scenarios are copied into a scratch folder so that each command runs in seconds. The
 * game days and the first command of the runbook run through the binary in a process of their
 * own; the rest run the same `main` in this process (a process each costs about two seconds).
 */

const cli = (args: string[], cwd: string) => cliProcess(args, cwd, { CI: 'true' });
const inProcess = (args: string[], cwd: string) => cliInProcess(args, cwd, { CI: 'true' });

const PICKED = ['baseline', 'poisoned-template', 'runbook'];

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-gameday-'));
  mkdirSync(join(dir, 'scenarios'));
  for (const name of PICKED)
    copyFileSync(join(ROOT, 'scenarios', `${name}.yaml`), join(dir, 'scenarios', `${name}.yaml`));
  return dir;
}

describe('batchguard gameday', () => {
  let dir: string;
  let first: CliResult;
  beforeAll(() => {
    dir = scratch();
    first = cli(['gameday', '--json', '--seed', '11', '--junit', 'gameday.xml', '--db', 'gd.duckdb'], dir);
  }, 120_000);

  it('prints the verdicts as JSON, every drill passing, and exits 0', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.seed).toBe(11);
    expect(report.drills.map((d: { scenario: string }) => d.scenario)).toEqual(PICKED);
    for (const drill of report.drills) {
      expect(drill).toMatchObject({ verdict: 'pass', invariants_held: true, seed: 11 });
      for (const key of [
        'scenario',
        'failure_mode',
        'expected_control',
        'fault_fired',
        'caught',
        'reasons',
        'replay',
      ])
        expect(drill).toHaveProperty(key);
      expect(drill.replay).toBe(`npx batchguard drill scenarios/${drill.scenario}.yaml --seed 11`);
    }
  });

  it('prints byte-identical JSON for the same seed (in another process as in this one)', async () => {
    const again = await inProcess(['gameday', '--json', '--seed', '11', '--db', 'again.duckdb'], dir);
    expect(again.stdout).toBe(first.stdout);
  }, 120_000);

  it('writes JUnit XML with one test case per drill', () => {
    const xml = readFileSync(join(dir, 'gameday.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain(`<testsuite name="batchguard gameday" tests="${PICKED.length}" failures="0"`);
    expect(xml.match(/<testcase /g)).toHaveLength(PICKED.length);
    expect(xml).not.toContain('<failure');
  });

  it('stores each verdict and its run log in DuckDB, beside the runs', async () => {
    const db = await RunDb.open(join(dir, 'gd.duckdb'));
    try {
      const drills = await db.all<{ gameday_id: string; scenario: string; verdict: string; seed: number }>(
        'SELECT gameday_id, scenario, verdict, seed::INTEGER AS seed FROM drills ORDER BY position',
      );
      expect(drills).toEqual(
        PICKED.map((scenario) => ({ gameday_id: 'gd-0001', scenario, verdict: 'pass', seed: 11 })),
      );
      const logged = await db.all<{ scenario: string; alarms: number }>(
        "SELECT scenario, count(*) FILTER (WHERE phase = 'alarm')::INTEGER AS alarms FROM drill_log GROUP BY ALL ORDER BY scenario",
      );
      expect(logged.find((l) => l.scenario === 'baseline')!.alarms).toBe(0);
      expect(logged.find((l) => l.scenario === 'poisoned-template')!.alarms).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('on a non-terminal, prints plain progress and the final matrix, and exits 1 when a drill fails', () => {
    const failing = scratch();
    // The canary turned off in the scenario: the poisoned run gets past it, so the drill must fail.
    const path = join(failing, 'scenarios', 'poisoned-template.yaml');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('dataset:', 'job:\n  canary:\n    enabled: false\ndataset:'),
    );
    const run = cli(['gameday', '--db', 'gd.duckdb'], failing);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^\[drill\] 3 drills, seed \(each scenario its own\)$/m);
    expect(run.stdout).toMatch(/^scenario +failure mode +expected control +caught by +verdict$/m);
    expect(run.stdout).toMatch(/^poisoned-template +poisoned_template +canary +golden_drift +FAIL$/m);
    expect(run.stdout).toMatch(/^baseline +none +none +- +PASS$/m);
    expect(run.stdout).toContain('reproduce: npx batchguard drill scenarios/poisoned-template.yaml --seed 1');
    expect(run.stdout).toMatch(/^2 of 3 drills passed; verdicts stored as gd-0001/m);
  }, 120_000);

  it('refuses a bad scenario file with exit 2, naming each problem with its path, before any drill', async () => {
    const bad = scratch();
    writeFileSync(
      join(bad, 'scenarios', 'typo.yaml'),
      'title: x\nfailure_mode: silent_partial_drop\nfaults:\n  silent_partial_drop:\n    missing_rat: 0.1\nexpect:\n  control: recon\n',
    );
    const run = await inProcess(['gameday', '--db', 'gd.duckdb'], bad);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('typo.yaml');
    expect(run.stderr).toContain(
      'faults.silent_partial_drop.missing_rat: unknown key (did you mean missing_rate?)',
    );
    expect(run.stderr).toMatch(/expect\.control: /);
    expect(existsSync(join(bad, 'gd.duckdb'))).toBe(false);
  });
});

describe('batchguard drill', () => {
  it('runs one scenario at the seed given and prints the line that replays it', async () => {
    const dir = scratch();
    const run = await inProcess(
      ['drill', 'scenarios/poisoned-template.yaml', '--seed', '42', '--db', 'gd.duckdb'],
      dir,
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('[drill] poisoned-template: PASS');
    expect(run.stdout).toMatch(/fault fired: \d+ poisoned/);
    expect(run.stdout).toContain('caught by canary');
    expect(run.stdout).toMatch(
      /^replay: npx batchguard drill scenarios\/poisoned-template\.yaml --seed 42$/m,
    );
  }, 60_000);
});

describe('the runbook: halt, assess, reverse', () => {
  // One promoted run of 30 rows for both tests: a run through the CLI costs seconds.
  let dir: string;
  beforeAll(() => {
    ({ dir } = jobFolder(reviews(30)));
    expect(cli(['run', 'job.yaml', '--db', 'runs.duckdb'], dir).status).toBe(0);
  }, 60_000);

  it('narrows the assessment to the batches named (disjoint slices that add up to the run), and refuses a batch the run never made', async () => {
    const report = await inProcess(['report', '--db', 'runs.duckdb', '--format', 'json'], dir);
    const runId: string = JSON.parse(report.stdout).runs[0].run_id;
    writeFileSync(
      join(dir, 'batches.sql'),
      'SELECT batch_id FROM submission_batches ORDER BY submission_id\n',
    );
    const listed = await inProcess(
      ['report', '--sql', 'batches.sql', '--db', 'runs.duckdb', '--format', 'json'],
      dir,
    );
    const batches = (JSON.parse(listed.stdout) as { batch_id: string }[]).map((b) => b.batch_id);
    expect(batches.length).toBeGreaterThan(1); // the canary's batch and the rest
    const slices: string[][] = [];
    for (const [i, batch] of batches.entries()) {
      const a = await inProcess(
        ['assess', runId, '--batch', batch, '--out', `slice-${i}.txt`, '--db', 'runs.duckdb'],
        dir,
      );
      expect(a.status).toBe(0);
      expect(a.stdout).toContain(`answered in ${batch} by custom_id`);
      slices.push(
        readFileSync(join(dir, `slice-${i}.txt`), 'utf8')
          .split('\n')
          .filter(Boolean),
      );
    }
    const all = await inProcess(['assess', runId, '--out', 'all.txt', '--db', 'runs.duckdb'], dir);
    expect(all.status).toBe(0);
    const whole = readFileSync(join(dir, 'all.txt'), 'utf8').split('\n').filter(Boolean);
    expect(slices.every((slice) => slice.length > 0)).toBe(true);
    expect(slices.flat().sort()).toEqual([...whole].sort()); // disjoint, and together the whole run
    expect(new Set(slices.flat()).size).toBe(whole.length);

    const typo = await inProcess(
      ['assess', runId, '--batch', 'msgbatch_nope', '--out', 'typo.txt', '--db', 'runs.duckdb'],
      dir,
    );
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain(`Failed to assess ${runId}: it created no batch msgbatch_nope.`);
    expect(typo.stderr).toContain(batches[0]);
    expect(existsSync(join(dir, 'typo.txt'))).toBe(false);
  }, 60_000);

  it('halts a promoted run, lists the rows it touched by custom_id, and rolls back exactly those', async () => {
    const report = await inProcess(['report', '--db', 'runs.duckdb', '--format', 'json'], dir);
    const runId: string = JSON.parse(report.stdout).runs[0].run_id;

    const halt = cli(['halt', runId, '--db', 'runs.duckdb'], dir);
    expect(halt.status).toBe(0);
    expect(halt.stdout).toMatch(
      /ALARM halt: halted by the operator \(the run was promoted, .*\[halted_by_operator\]$/m,
    );
    expect(halt.stdout).toContain(`halted ${runId}: it had already finished (promoted)`);

    const assess = await inProcess(['assess', runId, '--db', 'runs.duckdb', '--out', 'ids.txt'], dir);
    expect(assess.status).toBe(0);
    expect(assess.stdout).toContain(`assessed ${runId}: its promote touched 30 rows by custom_id`);
    expect(assess.stdout).toContain('changed 0, created 30, unchanged 0');
    const ids = readFileSync(join(dir, 'ids.txt'), 'utf8').trim().split('\n');
    expect(ids).toHaveLength(30);
    expect(ids.every((id) => /^r_rev-\d{4}_\d+_[0-9a-f]{6}$/.test(id))).toBe(true); // a row's promoted attempt

    const rollback = await inProcess(['rollback', runId, '--ids', 'ids.txt', '--db', 'runs.duckdb'], dir);
    expect(rollback.stdout).toContain('0 restored, 30 removed, 0 left alone');
    expect((await inProcess(['assess', runId, '--db', 'runs.duckdb'], dir)).stdout).toContain(
      'to reverse: 0 rows',
    );
  }, 60_000);

  it('refuses an unknown run with exit 2', async () => {
    for (const command of ['halt', 'assess']) {
      const run = await inProcess([command, 'run-nope', '--db', 'runs.duckdb'], dir);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`Failed to ${command} run-nope: no such run`);
    }
  }, 60_000);
});

describe('batchguard gameday: what caught each failure mode, or why nothing did', () => {
  // The canary turned off in the scenario's job: the poisoned run gets past it, and the golden
  // set's drift check holds the promotion instead; the verdict must name both.
  let dir: string;
  let json: CliResult;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'batchguard-gameday-gaps-'));
    mkdirSync(join(dir, 'scenarios'));
    copyFileSync(join(ROOT, 'scenarios', 'baseline.yaml'), join(dir, 'scenarios', 'baseline.yaml'));
    const poisoned = readFileSync(join(ROOT, 'scenarios', 'poisoned-template.yaml'), 'utf8');
    writeFileSync(
      join(dir, 'scenarios', 'poisoned-template.yaml'),
      poisoned.replace('dataset:', 'job:\n  canary:\n    enabled: false\ndataset:'),
    );
    json = await inProcess(['gameday', '--json', '--junit', 'gameday.xml', '--db', 'gd.duckdb'], dir);
  }, 120_000);

  it('prints in --json the control that did catch it, the gap in the job, and no job file', () => {
    expect(json.status).toBe(1);
    const [baseline, poisoned] = JSON.parse(json.stdout).drills;
    expect(baseline).toMatchObject({ verdict: 'pass', caught_by: [], gaps: [], job: null });
    expect(poisoned).toMatchObject({
      verdict: 'fail',
      expected_control: 'canary',
      caught: false,
      caught_by: ['golden_drift'],
      gaps: ['canary.enabled is false, so no slice was graded before the rest ran: set it to true'],
      job: null,
    });
  });

  it('puts what caught it and the gap into the JUnit failure', () => {
    const xml = readFileSync(join(dir, 'gameday.xml'), 'utf8');
    expect(xml).toContain('failures="1" errors="0" skipped="0"');
    expect(xml).toContain('caught by: golden_drift\ngap: canary.enabled is false');
  });

  it('stores what caught it and the gap beside the verdict', async () => {
    const db = await RunDb.open(join(dir, 'gd.duckdb'));
    try {
      const rows = await db.all<{
        scenario: string;
        caught_by_json: string;
        gaps_json: string;
        job: string | null;
      }>('SELECT scenario, caught_by_json, gaps_json, job FROM drills ORDER BY position');
      expect(
        rows.map((r) => [r.scenario, JSON.parse(r.caught_by_json), JSON.parse(r.gaps_json).length, r.job]),
      ).toEqual([
        ['baseline', [], 0, null],
        ['poisoned-template', ['golden_drift'], 1, null],
      ]);
    } finally {
      db.close();
    }
  });

  it('ends the plain matrix with findings: what caught the failed drill and what to change in the job', async () => {
    const run = await inProcess(['gameday', '--db', 'plain.duckdb'], dir);
    expect(run.status).toBe(1);
    const out = run.stdout.split('\n');
    const findings = out.slice(out.indexOf('findings:'));
    expect(findings.slice(0, 4)).toEqual([
      'findings:',
      '  poisoned-template (poisoned_template): FAIL',
      '    caught by golden_drift (expected canary)',
      '    gap: canary.enabled is false, so no slice was graded before the rest ran: set it to true',
    ]);
    expect(run.stdout).toMatch(/^1 of 2 drills passed; verdicts stored as gd-0001/m);
    const matrix = out.slice(
      out.findIndex((l) => l.startsWith('scenario ')),
      out.findIndex((l) => l.startsWith('1 of 2 drills passed')),
    );
    expect(matrix.length).toBeGreaterThan(8);
    for (const line of matrix) expect(line.length, line).toBeLessThanOrEqual(100);
  }, 120_000);
});
