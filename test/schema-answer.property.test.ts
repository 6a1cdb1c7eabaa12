import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileOutputSchema } from '../src/pipeline/gate/compile-schema.js';
import { schemaAnswer } from '../src/sim/model/schema-answer.js';
import type { ModelTask } from '../src/sim/model/simulated-model.js';
import { answerTask } from '../src/sim/model/task-answer.js';
import { keyedRng } from '../src/sim/seed.js';
import { outputSchema } from './arbitraries/output-schema.js';
import { checkProperty, propertyTimeout } from './support/property-budget.js';

describe('schemaAnswer: the simulated model answers any output schema', () => {
  it(
    'draws answers every schema of the supported subset accepts, the same bytes for the same seed',
    async () => {
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
    },
    propertyTimeout(30_000),
  );
});

describe('answerTask: a task on any schema answers what the schema accepts, but for its own breaks', () => {
  const TAG = 'data-5eed5eed5eed';

  it(
    'answers valid JSON quoting the data whenever it did not break the answer on purpose',
    async () => {
      await checkProperty(
        'task answers validate',
        'test/schema-answer.property.test.ts',
        fc.asyncProperty(
          outputSchema(),
          fc.array(fc.lorem({ maxCount: 12, mode: 'sentences' }), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          async (schema, values, seed) => {
            const validate = compileOutputSchema(schema);
            const quoteFields = Object.entries(schema.properties as Record<string, Record<string, unknown>>)
              .filter(
                ([, spec]) =>
                  spec.type === 'string' &&
                  !('pattern' in spec || 'format' in spec || 'enum' in spec) &&
                  // A quote is no longer than the data: a field asking for more is not quotable.
                  ((spec.minLength as number | undefined) ?? 0) <= Math.max(...values.map((v) => v.length)),
              )
              .map(([field]) => field);
            const task: ModelTask = { schema, quoteFields };
            const prompt = `Answer with JSON.\n${values.map((v) => `<${TAG}>${v}</${TAG}>`).join('\n')}`;
            for (let row = 0; row < 10; row++) {
              const draws = (purpose: string) => keyedRng(seed, purpose, row);
              const answer = answerTask(prompt, task, 'small', draws);
              expect(answer.obeyed).toBe(false);
              if (answer.broken !== undefined) continue;
              expect(answer.text).toBe(JSON.stringify(answer.value));
              expect(validate(answer.value), `${answer.text}: ${JSON.stringify(validate.errors)}`).toBe(true);
              for (const field of quoteFields)
                if (typeof answer.value![field] === 'string')
                  expect(values.join('\n')).toContain(answer.value![field]);
            }
          },
        ),
        40,
      );
    },
    propertyTimeout(30_000),
  );
});
