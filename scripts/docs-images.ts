/*
 * docs/images/dashboard.png, the README's picture of `batchguard report --format html`: four
 * simulated runs of the example reviews job (seeds 1–4) in a scratch database, the report
 * written and opened in the headless Chromium that @sparticuz/chromium ships, and the job's
 * charts photographed. Run with `npm run docs:images`; nothing is downloaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer from 'puppeteer-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'images', 'dashboard.png');
const SEEDS = [1, 2, 3, 4];

function batchguard(args: string[]): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'batchguard.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  // A run that alarms exits 1 and is still a run to chart; anything else is a failure here.
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`batchguard ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

const scratch = mkdtempSync(join(tmpdir(), 'batchguard-docs-'));
try {
  const db = join(scratch, 'runs.duckdb');
  for (const seed of SEEDS) batchguard(['run', 'examples/reviews/job.yaml', '--seed', String(seed), '--db', db]);
  const html = join(scratch, 'report.html');
  batchguard(['report', '--db', db, '--format', 'html', '--out', html]);
  const browser = await puppeteer.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    headless: true,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1240, height: 900, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const section = await page.$('section.job');
    if (!section) throw new Error('the report has no job section');
    mkdirSync(dirname(OUT), { recursive: true });
    await section.screenshot({ path: OUT, type: 'png' });
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
