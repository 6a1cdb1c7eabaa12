import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The example job's output schema, read from the file the example uses, so tests and docs agree. */
export const REVIEW_SCHEMA: { properties: Record<string, unknown>; [key: string]: unknown } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../examples/reviews/output.schema.json'), 'utf8'),
);
