import { UsageError } from '../core/errors.js';
import { generateGolden, generateReviews, type ReviewRow } from '../sim/datasets/reviews-dataset.js';
import { stageDataset } from '../sim/datasets/write-dataset.js';
import { checkOutputPath } from './output-file.js';
import { withArgs } from './parse-command.js';
import { outputTarget } from './write-path.js';

/** `batchguard dataset reviews`: a seeded source CSV of product reviews, and optionally golden rows. */
export const datasetCommand = withArgs('dataset', async ({ values }, io) => {
  const { rows, seed, 'golden-rows': goldenRows, 'injection-rate': injectionRate } = values;
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
});

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
