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
 * Compiled schemas by their JSON text: ajv's compile (code generation) costs ~30 ms, and a run
 * compiles its schema twice (the job loader checks it, the gate uses it), a game day or a property
 * test once per run. Bounded: a long-lived process sees few schemas, but it need not keep them all.
 */
const COMPILED = new Map<string, ValidateFunction>();
export const COMPILED_SCHEMAS_MAX = 16;

/**
 * The one way an output schema is compiled, by the job loader and the output gate alike:
 * draft 2020-12 unless its `$schema` names draft-07. Throws UsageError('bad_schema') with
 * ajv's reason when it does not compile (a schema that fails is not kept, so it fails again).
 * The same schema text gives the same validator: it keeps no state between calls but `errors`,
 * which each call sets before it returns.
 */
export function compileOutputSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const known = COMPILED.get(key);
  if (known) return known;
  const validate = compile(schema);
  if (COMPILED.size >= COMPILED_SCHEMAS_MAX) COMPILED.delete(COMPILED.keys().next().value as string);
  COMPILED.set(key, validate);
  return validate;
}

function compile(schema: Record<string, unknown>): ValidateFunction {
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
