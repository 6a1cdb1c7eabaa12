import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { verdictOf } from '../src/drills/drill-result-fixtures.js';
import { DrillStore } from '../src/drills/drill-store.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { cliInProcess } from './support/cli-in-process.js';
import { HAIKU, INJECTION, jobFolder, reviews } from './support/pipeline-harness.js';

/*
 * `batchguard report --format html` over real simulated runs, opened in a real headless Chromium
 * (the one @sparticuz/chromium ships inside its npm package: nothing is downloaded): the page
 * loads with no console error, no failed request and no request at all beyond the file; no
 * script runs (the job's name is a script tag); every chart has its marks.
 */

const HOSTILE = `rev<script>alert("x")</script> & 'q'`;

interface Marks {
  chart: string;
  svgs: number;
  width: number;
  line: number;
  points: number;
  fit: number;
  alarmRules: number;
  floorRules: number;
  bands: number;
  bars: number;
  costBars: number;
  cells: number;
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser | undefined;
  afterAll(async () => browser?.close());

  it('loads offline with no console error or failed request, runs no script, and draws every chart', async () => {
    const started = performance.now();
    // Every 8th review carries an instruction the model sometimes obeys; without an escalation
    // model its answers are quarantined: the funnel has a reason to show.
    const rows = reviews(200, (i, base) => `Order ${i}: ${base}${i % 8 === 0 ? ` ${INJECTION}` : ''}`);
    const { dir } = jobFolder(rows, { name: HOSTILE, models: { primary: HAIKU, escalation: null } });
    const db = join(dir, 'runs.duckdb');
    for (const seed of [1, 2]) {
      const run = await cliInProcess(['run', join(dir, 'job.yaml'), '--seed', String(seed), '--db', db], dir);
      expect(run.stderr).not.toMatch(/unexpected failure/);
    }
    // Two game days' verdicts, stored as `gameday` stores them.
    const rundb = await RunDb.open(db);
    try {
      const first = await DrillStore.open(rundb);
      await first.record(verdictOf('baseline', 'pass'), [], '2026-12-01T10:00:00Z');
      await first.record(verdictOf('schema-drift', 'pass'), [], '2026-12-01T10:01:00Z');
      const second = await DrillStore.open(rundb);
      await second.record(verdictOf('baseline', 'pass'), [], '2026-12-02T10:00:00Z');
      await second.record(verdictOf('schema-drift', 'fail'), [], '2026-12-02T10:01:00Z');
    } finally {
      rundb.close();
      await RunDb.release(db);
    }
    const out = join(dir, 'report.html');
    const report = await cliInProcess(['report', '--db', db, '--format', 'html', '--out', out], dir);
    expect(report.stderr).toBe('');
    expect(report.status).toBe(0);
    const json = JSON.parse((await cliInProcess(['report', '--db', db, '--format', 'json'], dir)).stdout);
    const latest = json.runs.at(-1);
    expect(latest.counts.quarantined).toBeGreaterThan(0);
    const prepared = performance.now();

    browser = await puppeteer.launch({
      executablePath: await chromium.executablePath(),
      args: chromium.args,
      headless: true,
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('dialog', async (d) => {
      problems.push(`dialog: ${d.message()}`);
      await d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(out).href;
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.ok()).toBe(true);

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    const page_ = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script').length,
      title: document.querySelector('h2')?.textContent ?? '',
      runRows: document.querySelectorAll('table.runs tbody tr').length,
    }));
    expect(page_.scripts).toBe(0);
    // The name shows as the text it is.
    expect(page_.title.startsWith(HOSTILE)).toBe(true);
    expect(page_.runRows).toBe(2);

    const marks: Marks[] = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        const n = (selector: string) => f.querySelectorAll(selector).length;
        return {
          chart: f.getAttribute('data-metric') ?? f.getAttribute('data-chart') ?? '?',
          svgs: n('svg'),
          width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
          line: n('svg g.mark-line.metric_marks path'),
          points: n('svg g.mark-symbol.points_marks path'),
          fit: n('svg g.mark-line.fit_marks path'),
          alarmRules: n('svg g.mark-rule.alarm_line_marks line'),
          floorRules: n('svg g.mark-rule.floor_line_marks line'),
          bands: n('svg g.mark-rect.alarm_band_marks path'),
          bars: n('svg g.mark-rect.bars_marks path'),
          costBars: n('svg g.mark-rect.cost_parts_marks path'),
          cells: n('svg g.mark-rect.cells_marks path'),
        };
      }),
    );
    const by = new Map(marks.map((m) => [m.chart, m]));
    expect([...by.keys()]).toEqual([
      'validity',
      'coverage',
      'escalation_rate',
      'golden_score',
      'cost_per_good_row',
      'funnel',
      'cost',
      'gamedays',
    ]);
    for (const m of marks) {
      expect(m.svgs, m.chart).toBe(1);
      expect(m.width, m.chart).toBeGreaterThan(150);
    }
    for (const metric of ['validity', 'coverage', 'escalation_rate', 'golden_score', 'cost_per_good_row']) {
      // A line through both runs, a point each, the fitted slope.
      expect(by.get(metric), metric).toMatchObject({ line: 1, points: 2, fit: 1 });
    }
    // validity_min over both runs, shaded beneath.
    expect(by.get('validity')).toMatchObject({ alarmRules: 2, bands: 2 });
    // The golden alarm from the second run on (the first had no baseline); the floor on both.
    expect(by.get('golden_score')).toMatchObject({ alarmRules: 1, bands: 1, floorRules: 2 });
    expect(by.get('coverage')).toMatchObject({ alarmRules: 0, bands: 0 });
    // Source, promoted, each quarantine reason, dead-lettered, held.
    expect(by.get('funnel')!.bars).toBeGreaterThanOrEqual(5);
    // Golden, canary and main parts, on the one model, for each run.
    expect(by.get('cost')!.costBars).toBe(6);
    // Two scenarios on two game days.
    expect(by.get('gamedays')!.cells).toBe(4);

    const figure = await page.$('figure[data-metric="validity"]');
    const png = await figure!.screenshot({ type: 'png' });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(5000);
    expect(readFileSync(out, 'utf8')).not.toMatch(/<script/i);
    const browsed = performance.now();
    // Where the time goes, for whoever makes this test slower.
    console.log(
      `runs and report ${Math.round(prepared - started)} ms, browser ${Math.round(browsed - prepared)} ms`,
    );
  }, 60_000);
});
