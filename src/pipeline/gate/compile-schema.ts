import { Ajv, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UsageError } from '../../core/errors.js';

const AJV_OPTIONS: Options = {
  allErrors: true,
  // Unknown keywords are errors, so a typo such as `maximun` cannot let every answer through.
  strictSchema: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  // No format plugin is a dependency; without one ajv would refuse every `format`.
  validateFormats: false,
  logger: false,
};

/**
 * The one way an output schema is compiled, by the job loader and the output gate alike:
 * draft 2020-12 unless its `$schema` names draft-07. Throws UsageError('bad_schema') with
 * ajv's reason when it does not compile.
 */
export function compileOutputSchema(schema: Record<string, unknown>): ValidateFunction {
  const draft07 = typeof schema.$schema === 'string' && /draft-07\b/.test(schema.$schema);
  try {
    return (draft07 ? new Ajv(AJV_OPTIONS) : new Ajv2020(AJV_OPTIONS)).compile(schema);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    throw new UsageError(
      'bad_schema',
      `Failed to compile the job's output schema: ${reason}.`,
      'Fix `schema` in the job file: it must be a JSON Schema (draft 2020-12, or 07 with its $schema).',
    );
  }
}
