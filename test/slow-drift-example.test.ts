import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ROOT } from './source-files.js';
import { cliInProcess } from './support/cli-in-process.js';
import { webhookReceiver } from './support/webhook.js';

/*
 * examples/slow-drift as its comments tell a team to run it: the example job three nights in a
 * world whose model degrades a little more each night, paging a local webhook; the third night
 * raises a trend alarm, POSTs it, and `report --check` exits 1. Three runs of 3,000 rows (about
 * 20 s), so it runs in the deep suite; test/trend-alarms.test.ts proves the same in `npm test`.
 */

const DEEP = process.env.BATCHGUARD_DEEP === '1';

describe.runIf(DEEP)('examples/slow-drift', () => {
  it('three nights of the example job: a trend alarm on the third, paged, and report --check exits 1', async () => {
    const hook = await webhookReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-slow-drift-'));
    cpSync(join(ROOT, 'examples', 'reviews'), join(dir, 'reviews'), { recursive: true });
    const jobFile = join(dir, 'reviews', 'job.yaml');
    const job = YAML.parse(readFileSync(jobFile, 'utf8'));
    job.alerts = { webhook: hook.url };
    writeFileSync(jobFile, YAML.stringify(job));

    const exits: (number | null)[] = [];
    for (const night of [1, 2, 3]) {
      const scenario = join(ROOT, 'examples', 'slow-drift', `night-${night}.yaml`);
      exits.push(
        (await cliInProcess(['run', jobFile, '--scenario', scenario, '--db', 'drift.duckdb'], dir)).status,
      );
    }
    await hook.close();
    expect(exits).toEqual([0, 0, 1]);
    expect(hook.received.map(({ body: p }) => [p.kind, p.alert_kind])).toEqual([
      ['trend_alarm', 'trend_alarm'],
    ]);
    const check = await cliInProcess(['report', '--check', '--db', 'drift.duckdb'], dir);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('trend_alarm: validity 97.4 % → 96.2 % → 96.1 % over 3 runs');
  }, 180_000);
});
