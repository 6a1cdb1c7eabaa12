import { isAbsolute, relative } from 'node:path';
import { initJob } from '../pipeline/job/init-job.js';
import { usd } from '../pipeline/job/starter-cost.js';
import { withArgs } from './parse-command.js';

/** `batchguard init --source FILE`: a commented job, a starter schema and an empty golden file. */
export const initCommand = withArgs('init', async ({ values }, io) => {
  const result = await initJob({ ...values, text: values.text && [...values.text] });
  const { profile, columns, cost } = result;
  // From the current folder when the files are under it, else in full.
  const shown = (file: string) => {
    const path = relative(process.cwd(), file);
    return path.startsWith('..') || isAbsolute(path) ? file : path;
  };
  const textChars = columns.text.map((name) => {
    const column = profile.columns.find((c) => c.name === name)!;
    return `"${name}" (${Math.round(column.chars / Math.max(1, profile.rows))} characters a row on average)`;
  });
  io.out(
    `Read ${values.source}: ${profile.rows.toLocaleString('en-US')} rows, columns ${profile.columns.map((c) => `"${c.name}"`).join(', ')}.`,
  );
  io.out(
    `Key column "${columns.key}"${values.key ? '' : ' (unique and non-empty)'}; the template fills ${textChars.join(', ')}.`,
  );
  io.out(`Cost ceiling ${usd(cost.ceilingUsd)} (worst case ${usd(cost.worstUsd)}).`);
  for (const file of result.files) io.out(`wrote ${shown(file)}`);
  io.out('Next: replace the placeholder labels in the template and the schema, add golden rows, then');
  io.out(`  batchguard run ${shown(result.files[0]!)} --seed 1         # every control, in simulation`);
  io.out(
    `  batchguard gameday --job ${shown(result.files[0]!)}        # every failure mode, injected into it`,
  );
  return 0;
});
