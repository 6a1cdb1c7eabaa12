import { isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { initJob } from '../pipeline/job/init-job.js';
import { usd } from '../pipeline/job/starter-cost.js';
import type { Io } from './io.js';
import { USAGE } from './usage.js';

/** `batchguard init --source FILE`: a commented job, a starter schema and an empty golden file. */
export async function initCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      source: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      key: { type: 'string' },
      text: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.source === undefined || positionals.length > 0)
    throw new UsageError(
      'bad_usage',
      `Failed to start init: ${values.source === undefined ? 'no --source given' : `unexpected argument "${positionals[0]}"`}.`,
      `Run: ${USAGE.init}`,
    );
  const result = await initJob({ ...values, source: values.source });
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
}
