import { isRecord } from './schema-fits.js';

/*
 * Reading an output schema's top level, where the fields a job grades, quotes and splits by live
 * (goldenMatches, quote_fields and distribution_field all name top-level fields).
 */

/** The top-level `properties` of an object schema ({} when it has none). */
export function propertiesOf(schema: Record<string, unknown>): Record<string, unknown> {
  return isRecord(schema.properties) && !Array.isArray(schema.properties) ? schema.properties : {};
}

/** The schema of one top-level field, or undefined. */
export function propertyOf(schema: Record<string, unknown>, field: string): unknown {
  const properties = propertiesOf(schema);
  return Object.hasOwn(properties, field) ? properties[field] : undefined;
}

/** Top-level string fields free to hold any words: no enum, const, pattern or format. */
export function freeTextFields(schema: Record<string, unknown>): string[] {
  return Object.entries(propertiesOf(schema))
    .filter(([, spec]) => isRecord(spec) && spec.type === 'string')
    .filter(([, spec]) => !['enum', 'const', 'pattern', 'format'].some((k) => k in (spec as object)))
    .map(([field]) => field);
}

/** Top-level fields whose schema lists allowed string values. */
export function enumFields(schema: Record<string, unknown>): string[] {
  return Object.entries(propertiesOf(schema))
    .filter(
      ([, spec]) =>
        isRecord(spec) && Array.isArray(spec.enum) && spec.enum.some((v) => typeof v === 'string'),
    )
    .map(([field]) => field);
}
