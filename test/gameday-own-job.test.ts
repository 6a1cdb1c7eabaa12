import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { ROOT } from './source-files.js';
import { type CliResult, cliInProcess } from './support/cli-in-process.js';
import { BIN } from './support/serve-process.js';

/*
 * A team drills its own job: `init` on a CSV the project has never seen, then `gameday --job`;
 * an example job with one control turned off, whose drill must fail and name the gap; bad input
 * refused before any drill; the team's files left as they were. A few scenarios each, so the
 * whole file runs in well under a minute; every example's full game day at several seeds is in
 * the deep suite (test/example-gamedays.test.ts).
 */

const run = (args: string[], cwd: string) => cliInProcess(args, cwd, { CI: 'true' });

/** A folder of the named shipped scenarios. */
function scenarios(dir: string, names: readonly string[]): string {
  const folder = join(dir, 'scenarios');
  mkdirSync(folder, { recursive: true });
  for (const name of names) cpSync(join(ROOT, 'scenarios', `${name}.yaml`), join(folder, `${name}.yaml`));
  return folder;
}

/** Every file of a folder with its bytes, to show a drill left it as it was. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => statSync(join(dir, f)).isFile())
      .map((f) => [f, readFileSync(join(dir, f), 'base64')]),
  );
}

/** A CSV of customer feedback: a key column and a text column, nothing like the examples. */
function feedbackCsv(rows: number): string {
  const subjects = ['The checkout page', 'Our courier', 'The mobile app', 'Support chat', 'The invoice'];
  const verbs = ['was slow', 'worked well', 'crashed twice', 'was confusing', 'arrived late', 'was quick'];
  const lines = ['feedback_id,comment'];
  for (let i = 1; i <= rows; i++)
    lines.push(`FB-${String(i).padStart(5, '0')},${subjects[i % 5]} ${verbs[(i * 7) % 6]} on day ${i % 31}.`);
  return `${lines.join('\n')}\n`;
}

describe('init, then gameday --job, on a source the project has never seen', () => {
  let dir: string;
  let job: string;
  let before: Record<string, string>;
  let json: CliResult;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'batchguard-own-job-'));
    job = join(dir, 'team');
    mkdirSync(job);
    writeFileSync(join(job, 'feedback.csv'), feedbackCsv(400));
    expect((await run(['init', '--source', 'feedback.csv'], job)).status).toBe(0);
    before = snapshot(job);
    scenarios(dir, ['baseline', 'poisoned-template', 'poisoned-template-wrong-column', 'schema-drift']);
    json = await run(
      ['gameday', '--job', 'team/job.yaml', '--json', '--junit', 'gd.xml', '--db', 'gd.duckdb'],
      dir,
    );
  }, 120_000);

  it('drills the job: each drill passes or says why it cannot apply, and the game day exits 0', () => {
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const drills = JSON.parse(json.stdout).drills as Record<string, unknown>[];
    expect(drills.map((d) => [d.scenario, d.verdict, d.job])).toEqual([
      ['baseline', 'pass', 'team/job.yaml'],
      ['poisoned-template-wrong-column', 'not_applicable', 'team/job.yaml'],
      ['poisoned-template', 'pass', 'team/job.yaml'],
      ['schema-drift', 'pass', 'team/job.yaml'],
    ]);
    const wrong = drills[1]!;
    expect(wrong.gaps).toEqual([
      'the source has no column besides feedback_id and comment for a template to read by mistake',
    ]);
    expect(wrong.replay).toBe(
      'npx batchguard drill scenarios/poisoned-template-wrong-column.yaml --job team/job.yaml --seed 1',
    );
    // The drift found its fields in the starter schema, and each drifted answer was quarantined.
    expect(drills[3]!.fault_fired).toBe(true);
    expect(drills[3]!.caught_by).toContain('output_gate');
  });

  it('reports the drill that could not apply as skipped in JUnit, never as passed', () => {
    const xml = readFileSync(join(dir, 'gd.xml'), 'utf8');
    expect(xml).toContain('tests="4" failures="0" errors="0" skipped="1"');
    expect(xml).toMatch(/<skipped message="not applicable: the source has no column besides feedback_id/);
  });

  it("runs on a scratch copy: the team's folder is byte for byte as it was, with no database in it", () => {
    expect(snapshot(job)).toEqual(before);
    expect(existsSync(join(job, 'batchguard.duckdb'))).toBe(false);
  });

  it('drills the same sample at the same seed (the same verdicts and run logs, byte for byte)', async () => {
    const again = await run(['gameday', '--job', 'team/job.yaml', '--json', '--db', 'again.duckdb'], dir);
    expect(again.stdout).toBe(json.stdout);
    const logs = async (file: string) => {
      const db = await RunDb.open(join(dir, file));
      try {
        return await db.all(
          'SELECT scenario, seq, step, phase, kind, detail FROM drill_log ORDER BY scenario, seq',
        );
      } finally {
        db.close();
        await RunDb.release(join(dir, file));
      }
    };
    expect(await logs('again.duckdb')).toEqual(await logs('gd.duckdb'));
  });

  it('names the job in its plain progress', async () => {
    const plain = await run(
      ['drill', 'scenarios/baseline.yaml', '--job', 'team/job.yaml', '--db', 'plain.duckdb'],
      dir,
    );
    expect(plain.stdout.split('\n')[0]).toBe(
      '[drill] 1 drills on team/job.yaml, seed (each scenario its own)',
    );
  });

  it('runs each drill on --sample N rows of the source', async () => {
    const sampled = await run(
      ['drill', 'scenarios/baseline.yaml', '--job', 'team/job.yaml', '--sample', '120', '--db', 's.duckdb'],
      dir,
    );
    expect(sampled.status).toBe(0);
    expect(sampled.stdout).toContain('--job team/job.yaml --sample 120 --seed 1');
    const db = await RunDb.open(join(dir, 's.duckdb'));
    try {
      const reconciled = await db.one<{ detail: string }>(
        "SELECT detail FROM drill_log WHERE kind = 'reconciled'",
      );
      expect(JSON.parse(reconciled!.detail).source).toBe(120);
    } finally {
      db.close();
    }
  });
});

describe('an example job with one control turned off', () => {
  // The support-ticket router's canary off: a template reading the wrong column is no longer
  // halted after the canary; the drill must fail and name the setting.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'batchguard-control-off-'));
    cpSync(join(ROOT, 'examples', 'support-tickets'), join(dir, 'on'), { recursive: true });
    cpSync(join(ROOT, 'examples', 'support-tickets'), join(dir, 'off'), { recursive: true });
    const file = join(dir, 'off', 'job.yaml');
    const job = YAML.parse(readFileSync(file, 'utf8'));
    job.canary.enabled = false;
    writeFileSync(file, YAML.stringify(job));
    scenarios(dir, ['poisoned-template-wrong-column']);
  });

  const drill = (folder: string) =>
    run(
      [
        'drill',
        'scenarios/poisoned-template-wrong-column.yaml',
        '--job',
        `${folder}/job.yaml`,
        '--json',
        '--db',
        `${folder}.duckdb`,
      ],
      dir,
    );

  it('passes with the control on: the canary halts the poisoned run', async () => {
    const on = await drill('on');
    expect(on.status).toBe(0);
    expect(JSON.parse(on.stdout).drills[0]).toMatchObject({
      verdict: 'pass',
      caught: true,
      run_status: 'halted',
    });
  }, 60_000);

  it('fails with it off, and names the setting to change', async () => {
    const off = await drill('off');
    expect(off.status).toBe(1);
    const result = JSON.parse(off.stdout).drills[0];
    expect(result).toMatchObject({ verdict: 'fail', caught: false, fault_fired: true });
    expect(result.gaps).toContain(
      'canary.enabled is false, so no slice was graded before the rest ran: set it to true',
    );
  }, 60_000);
});

describe('bad input to --job and --sample', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'batchguard-bad-job-'));
    cpSync(join(ROOT, 'examples', 'support-tickets'), join(dir, 'tickets'), { recursive: true });
    const file = join(dir, 'tickets', 'job.yaml');
    writeFileSync(
      join(dir, 'tickets', 'nokey.yaml'),
      readFileSync(file, 'utf8').replace(/^key: .*$/m, 'key: ticket'),
    );
    scenarios(dir, ['baseline']);
  });

  it.each([
    [['--job', 'nope.yaml'], 'Failed to read job nope.yaml: no such file'],
    [['--job', 'tickets/nokey.yaml'], 'its source has no column "ticket"'],
    [['--sample', '5'], 'Invalid --sample "5": expected a whole number from 20 to 200000'],
  ])('refuses %j before any drill: exit 2, the problem named, nothing stored', async (flags, message) => {
    const result = await run(['gameday', ...flags, '--db', 'bad.duckdb'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'bad.duckdb'))).toBe(false);
  });
});

describe('a scenario that names its job', () => {
  it('drills the job its `job:` key names, relative to the scenario file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-scenario-job-'));
    cpSync(join(ROOT, 'examples', 'tool-call'), join(dir, 'tool-call'), { recursive: true });
    mkdirSync(join(dir, 'drills'));
    const baseline = readFileSync(join(ROOT, 'scenarios', 'baseline.yaml'), 'utf8');
    writeFileSync(join(dir, 'drills', 'baseline.yaml'), `job: ../tool-call/job.yaml\n${baseline}`);
    const result = await run(['drill', 'drills/baseline.yaml', '--json', '--db', 'd.duckdb'], dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const drill = JSON.parse(result.stdout).drills[0];
    expect(drill).toMatchObject({ verdict: 'pass', job: 'tool-call/job.yaml' });
    const db = await RunDb.open(join(dir, 'd.duckdb'));
    try {
      // The tool-call job's 320 rows (all of them: fewer than the scenario's 1,000), not 1,000
      // generated reviews of the shipped example.
      const reconciled = await db.one<{ detail: string }>(
        "SELECT detail FROM drill_log WHERE kind = 'reconciled'",
      );
      expect(JSON.parse(reconciled!.detail).source).toBe(320);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('the game day UI, typed in a folder of your own', () => {
  // tsx reads the tsconfig of the folder a command is typed in; a team's folder has none, and the
  // Ink UI's JSX then failed with "React is not defined". `script` gives the command a terminal.
  it.runIf(existsSync('/usr/bin/script'))(
    'draws the Ink UI to the end, quits on q and exits 0',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'batchguard-ui-folder-'));
      scenarios(dir, ['baseline']);
      const command = `stty cols 120 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} gameday --db ui.duckdb`;
      // The UI stays up after the last drill until q: a q typed at once quits after the running
      // (here the only) drill. The timeout keeps a UI that never quits from hanging the suite,
      // which spawnSync would, out of reach of the test's own timeout.
      const result = spawnSync('/usr/bin/script', ['-qec', command, '/dev/null'], {
        cwd: dir,
        encoding: 'utf8',
        input: 'q',
        timeout: 50_000,
        env: { ...process.env, CI: 'true', TERM: 'xterm' },
      });
      expect(result.stdout).not.toContain('React is not defined');
      expect(result.stdout).toContain('1/1 drills passed');
      expect(result.status).toBe(0);
    },
    60_000,
  );
});
