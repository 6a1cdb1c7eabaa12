import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { generateGolden, generateReviews, type ReviewRow } from '../sim/datasets/reviews-dataset.js';
import { stageDataset } from '../sim/datasets/write-dataset.js';
import { SEED_MAX } from '../sim/seed.js';
import { intFlag } from './args.js';
import type { Io } from './io.js';
import { checkOutputPath } from './output-file.js';
import { USAGE } from './usage.js';
import { outputTarget } from './write-path.js';

const DATASET_USAGE = USAGE.dataset;

const ROWS_MAX = 10_000_000;
const GOLDEN_ROWS_MAX = 9_999;

/** `batchguard dataset reviews`: a seeded source CSV of product reviews, and optionally golden rows. */
export async function datasetCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      golden: { type: 'string' },
      'golden-rows': { type: 'string' },
      'injection-rate': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1 || positionals[0] !== 'reviews') {
    const named = positionals.length === 0 ? 'no dataset named' : `"${positionals.join(' ')}"`;
    throw new UsageError(
      'bad_dataset',
      `Failed to generate dataset ${named}: the only dataset is "reviews".`,
      `Run: ${DATASET_USAGE}`,
    );
  }
  const rows = intFlag('rows', values.rows, 3000, 1, ROWS_MAX);
  const seed = intFlag('seed', values.seed, 1, 0, SEED_MAX);
  const goldenRows = intFlag('golden-rows', values['golden-rows'], 60, 1, GOLDEN_ROWS_MAX);
  const injectionRate = rateFlag('injection-rate', values['injection-rate']);
  const out = values.out ?? 'reviews.csv';
  checkOutputPath('--out', out);
  if (values.golden !== undefined) {
    checkOutputPath('--golden', values.golden);
    if (outputTarget(values.golden) === outputTarget(out))
      throw new UsageError(
        'bad_output',
        `Failed to write --golden ${values.golden}: it is also --out.`,
        'Pass --golden and --out two different files: the golden rows would replace the source.',
      );
  }

  io.out(`seed: ${seed}`);
  let injected = 0;
  function* sourceRows(): Generator<ReviewRow> {
    for (const review of generateReviews(seed, rows, { injectionRate })) {
      if (review.injected) injected++;
      yield review.row;
    }
  }
  // Both files are written whole first, then put in place together: a golden file that cannot be
  // written leaves no source file behind it either.
  // Staged beside the file a symbolic link points to, so the link stays a link.
  const staged = [writeOrFail(out, () => stageDataset(outputTarget(out), sourceRows(), 'csv'))];
  const golden = values.golden;
  try {
    if (golden !== undefined)
      staged.push(
        writeOrFail(golden, () =>
          stageDataset(outputTarget(golden), generateGolden(seed, goldenRows), 'jsonl'),
        ),
      );
  } catch (error) {
    for (const file of staged) file.discard();
    throw error;
  }
  for (const file of staged) file.commit();
  io.out(`[sim] wrote ${rows} reviews to ${out} (${injected} with an injected instruction)`);
  if (golden !== undefined) io.out(`[sim] wrote ${goldenRows} golden rows to ${golden}`);
  return 0;
}

/** A file the user named cannot be written: their input to fix, not a bug (exit 2, not 3). */
function writeOrFail<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(
      'bad_output',
      `Failed to write dataset ${path}: ${code}.`,
      'Check that the folder exists and is writable, or pass another path.',
    );
  }
}

/** A share from 0 to 1 (0 allowed, unlike positiveFlag). */
function rateFlag(name: string, raw: string | undefined): number {
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(
      'bad_flag',
      `Invalid --${name} "${raw}": expected a number from 0 to 1.`,
      `Pass --${name} R, for example --${name} 0.05.`,
    );
  }
  return value;
}
