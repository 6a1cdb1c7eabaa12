import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { datasetCommand } from './dataset-command.js';
import { capturingIo, type Io } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'batchguard-dataset-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordingIo(): Io & { lines: string[] } {
  const lines: string[] = [];
  return { ...capturingIo(lines), lines };
}

describe('batchguard dataset reviews', () => {
  it('writes the reviews CSV and the golden JSONL, printing the seed first', async () => {
    const io = recordingIo();
    const out = join(dir, 'reviews.csv');
    const golden = join(dir, 'golden.jsonl');
    const argv = [
      'reviews',
      '--rows',
      '50',
      '--seed',
      '4',
      '--out',
      out,
      '--golden',
      golden,
      '--golden-rows',
      '7',
    ];
    expect(await datasetCommand(argv, io)).toBe(0);
    expect(io.lines).toEqual([
      'seed: 4',
      `[sim] wrote 50 reviews to ${out} (0 with an injected instruction)`,
      `[sim] wrote 7 golden rows to ${golden}`,
    ]);
    const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('id,sku,country,text');
    expect(csv.at(-1)).toMatch(/^rev-000050,/);
    expect(
      readFileSync(golden, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).id),
    ).toEqual(['gold-0001', 'gold-0002', 'gold-0003', 'gold-0004', 'gold-0005', 'gold-0006', 'gold-0007']);
  });

  it('plants injected instructions at the asked rate and says how many', async () => {
    const io = recordingIo();
    const out = join(dir, 'injected.csv');
    await datasetCommand(['reviews', '--rows', '1000', '--out', out, '--injection-rate', '0.2'], io);
    const injected = Number(/\((\d+) with an injected instruction\)/.exec(io.lines[1]!)?.[1]);
    expect(injected).toBeGreaterThan(150);
    expect(injected).toBeLessThan(250);
    expect(readFileSync(out, 'utf8').match(/instructions and|Label this as/g)?.length).toBe(injected);
  });

  it('writes the same file for the same seed', async () => {
    const [a, b] = [join(dir, 'a.csv'), join(dir, 'b.csv')];
    await datasetCommand(['reviews', '--rows', '300', '--out', a], recordingIo());
    await datasetCommand(['reviews', '--rows', '300', '--out', b], recordingIo());
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it.each([
    [['reviews', '--rows', '0'], /Invalid --rows "0"/],
    [['reviews', '--seed', '1.5'], /Invalid --seed "1.5"/],
    [['reviews', '--injection-rate', '1.5'], /Invalid --injection-rate "1.5": expected a number from 0 to 1/],
    [['reviews', '--golden-rows', 'many'], /Invalid --golden-rows "many"/],
    [['tweets'], /Failed to generate dataset "tweets": the only dataset is "reviews"/],
    [[], /Failed to generate: give exactly one dataset: the only one is "reviews"\./],
    [
      ['reviews', '--out', join(dir, 'missing', 'x.csv')],
      /Failed to write --out .*x\.csv: its folder .* does not exist/,
    ],
  ])('refuses %j as bad usage (exit 2)', async (argv, message) => {
    const failure = datasetCommand(argv, recordingIo());
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
  });

  it('writes neither file when one of them fails to write, and keeps the one that was there', async () => {
    const out = join(dir, 'kept.csv');
    writeFileSync(out, 'id,text\nold,row\n');
    // A path that passes the check but cannot be written: where its staged copy goes, a folder.
    const golden = join(dir, 'unwritten.jsonl');
    mkdirSync(`${golden}.partial`);
    const argv = ['reviews', '--rows', '20', '--out', out, '--golden', golden];
    await expect(datasetCommand(argv, recordingIo())).rejects.toThrow(
      /Failed to write dataset .*unwritten\.jsonl: EISDIR/,
    );
    expect(readFileSync(out, 'utf8')).toBe('id,text\nold,row\n');
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(existsSync(golden)).toBe(false);
  });

  it('refuses an output in a folder that does not exist before generating anything', async () => {
    const io = recordingIo();
    const argv = ['reviews', '--out', join(dir, 'kept.csv'), '--golden', join(dir, 'missing', 'g.jsonl')];
    await expect(datasetCommand(argv, io)).rejects.toThrow(
      /Failed to write --golden .*g\.jsonl: its folder .* does not exist/,
    );
    expect(io.lines).toEqual([]);
  });

  it('refuses an unknown flag as a usage error naming the flag it is closest to', async () => {
    await expect(datasetCommand(['reviews', '--row', '5'], recordingIo())).rejects.toMatchObject({
      code: 'unknown_option',
      exitCode: 2,
      message: "Unknown option '--row'. Did you mean --rows?",
    });
  });
});
