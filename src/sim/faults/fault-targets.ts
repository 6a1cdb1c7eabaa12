import { isRecord } from '../model/schema-fits.js';
import { propertiesOf } from '../model/task-schema.js';
import { type DrillRow, type DrillTargets, NotApplicable } from './world-fault.js';

/*
 * Where in a job the fault families act, chosen the same way for each: the text a fault plants,
 * edits or inflates, and the output fields it bends. Faults read the job through DrillTargets
 * only, never assuming the example's `id`, `text` or `label`.
 */

/**
 * The template column a fault writes text into: the longest (textColumns[0]) when its values are
 * strings, else the first template column whose values are; undefined when none is (a JSONL
 * source whose template reads only objects or numbers). A null or missing value does not count
 * against a column (an optional field); a column with no string value at all is not one.
 */
export function stringColumn(targets: DrillTargets, rows: readonly DrillRow[]): string | undefined {
  return targets.textColumns.find((column) => {
    let strings = 0;
    for (const { row } of rows) {
      const value = row[column];
      if (typeof value === 'string') strings++;
      else if (value !== null && value !== undefined) return false;
    }
    return strings > 0;
  });
}

/** `stringColumn`, or NotApplicable for fault `fault` with a reason a team can read. */
export function stringColumnOrThrow(fault: string, targets: DrillTargets, rows: readonly DrillRow[]): string {
  const column = stringColumn(targets, rows);
  if (column !== undefined) return column;
  const read = targets.textColumns.length === 0 ? 'no column' : `only ${targets.textColumns.join(', ')}`;
  throw new NotApplicable(
    fault,
    `the template reads ${read}, and no column it reads holds text to write into`,
  );
}

/** The first top-level field whose schema lists allowed string values, with those values. */
export function firstEnumField(
  schema: Record<string, unknown>,
): { field: string; allowed: string[] } | undefined {
  for (const [field, spec] of Object.entries(propertiesOf(schema))) {
    if (!isRecord(spec) || !Array.isArray(spec.enum)) continue;
    const allowed = spec.enum.filter((v): v is string => typeof v === 'string');
    if (allowed.length > 0) return { field, allowed };
  }
  return undefined;
}

/** A value as the pipeline renders it into a prompt: a string as is, anything else as JSON. */
export function valueAsText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
