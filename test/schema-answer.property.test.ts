import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileOutputSchema } from '../src/pipeline/gate/compile-schema.js';
import { schemaAnswer } from '../src/sim/model/schema-answer.js';
import { keyedRng } from '../src/sim/seed.js';
import { outputSchema } from './arbitraries/output-schema.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';

describe('schemaAnswer: the simulated model answers any output schema', () => {
  it('draws answers every schema of the supported subset accepts, the same bytes for the same seed', async () => {
    await checkProperty(
      'schema answers validate',
      'test/schema-answer.property.test.ts',
      fc.asyncProperty(outputSchema(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (schema, seed) => {
        const validate = compileOutputSchema(schema);
        for (let row = 0; row < 20; row++) {
          const answer = schemaAnswer(schema, keyedRng(seed, 'answer', row));
          const valid = validate(answer);
          expect(valid, `${JSON.stringify(answer)}: ${JSON.stringify(validate.errors)}`).toBe(true);
          expect(JSON.stringify(schemaAnswer(schema, keyedRng(seed, 'answer', row)))).toBe(
            JSON.stringify(answer),
          );
        }
      }),
      60,
    );
  }, propertyTimeout(30_000));
});
