import { describe, expect, it } from 'vitest';
import { MALFORMED, readResultLine } from './result-line.js';

const succeeded = (message: Record<string, unknown> = {}) => ({
  custom_id: 'r_a_1',
  result: {
    type: 'succeeded',
    message: {
      content: [{ type: 'text', text: '{"label":"positive"}' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 12, output_tokens: 5 },
      ...message,
    },
  },
});

describe('readResultLine', () => {
  it('reads a succeeded line, ignoring fields the API may add', () => {
    const line = { ...succeeded(), extra: 1, result: { ...succeeded().result, extra: [] } };
    expect(readResultLine(line, 1)).toEqual({
      customId: 'r_a_1',
      resultType: 'succeeded',
      text: '{"label":"positive"}',
      stopReason: 'end_turn',
      errorType: null,
      errorMessage: null,
      inputTokens: 12,
      outputTokens: 5,
    });
  });

  it('reads no text block, or a first block of another type, as empty text', () => {
    expect(readResultLine(succeeded({ content: [] }), 1).text).toBe('');
    expect(readResultLine(succeeded({ content: [{ type: 'tool_use', id: 'x' }] }), 1).text).toBe('');
  });

  it('reads an errored line and passes other result types on as they are', () => {
    const errored = {
      type: 'errored',
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Busy' } },
    };
    expect(readResultLine({ custom_id: 'r_a_1', result: errored }, 1)).toMatchObject({
      resultType: 'errored',
      errorType: 'overloaded_error',
      errorMessage: 'Busy',
    });
    expect(readResultLine({ custom_id: 'r_a_1', result: { type: 'expired' } }, 1).resultType).toBe('expired');
    expect(readResultLine({ custom_id: 'r_a_1', result: { type: 'withheld' } }, 1).resultType).toBe(
      'withheld',
    );
  });

  it.each([
    ['not an object', 5, '(line 4)', 'not an object (number)'],
    ['an array', [], '(line 4)', 'not an object (array)'],
    ['null', null, '(line 4)', 'not an object (null)'],
    [
      'no custom_id',
      { result: { type: 'expired' } },
      '(line 4)',
      'custom_id: expected string, received undefined',
    ],
    ['no result', { custom_id: 'r_a_1' }, 'r_a_1', 'result: expected object, received undefined'],
    [
      'a result type that is not a string',
      { custom_id: 'r_a_1', result: { type: 7 } },
      'r_a_1',
      'result.type: expected string, received number',
    ],
    [
      'content not a list',
      succeeded({ content: 'x' }),
      'r_a_1',
      'result.message.content: expected array, received string',
    ],
    [
      'text not a string',
      succeeded({ content: [{ type: 'text', text: 7 }] }),
      'r_a_1',
      'result.message.content.0.text: expected string, received number',
    ],
    [
      'tokens as text',
      succeeded({ usage: { input_tokens: '12', output_tokens: 5 } }),
      'r_a_1',
      'result.message.usage.input_tokens: expected number, received string',
    ],
    [
      'negative tokens',
      succeeded({ usage: { input_tokens: 1, output_tokens: -5 } }),
      'r_a_1',
      'result.message.usage.output_tokens: Too small: expected number to be >=0',
    ],
    [
      'no usage',
      succeeded({ usage: undefined }),
      'r_a_1',
      'result.message.usage: expected object, received undefined',
    ],
    [
      'an errored line with no error',
      { custom_id: 'r_a_1', result: { type: 'errored' } },
      'r_a_1',
      'result.error: expected object, received undefined',
    ],
  ])('stores a line with %s as malformed, saying what is wrong', (_, value, customId, problem) => {
    expect(readResultLine(value, 4)).toMatchObject({
      customId,
      resultType: MALFORMED,
      errorMessage: problem,
    });
  });

  it('bounds tokens by the INTEGER column they go to', () => {
    const row = readResultLine(succeeded({ usage: { input_tokens: 1e20, output_tokens: 5 } }), 1);
    expect(row.resultType).toBe(MALFORMED);
    expect(row.errorMessage).toMatch(/^result\.message\.usage\.input_tokens: Too big/);
  });
});
