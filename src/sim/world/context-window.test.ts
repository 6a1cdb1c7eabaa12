import { describe, expect, it } from 'vitest';
import { findModel } from '../../core/price-table.js';
import { countInputTokens } from '../model/tokens.js';
import { validateParams } from './validate-params.js';

/*
 * The model's context window, as the real API enforces it: a request whose prompt alone is over
 * the window, or whose prompt plus `max_tokens` is, is accepted in its batch and errored alone.
 * Tokens are the world's own estimate (the one usage and billing report), so a prompt is refused
 * exactly when the tokens the world would have billed for it do not fit.
 */

const HAIKU = findModel('claude-haiku-4-5')!;
const WINDOW = HAIKU.contextWindowTokens;

/** Params whose prompt the world counts as exactly `tokens` input tokens. */
function paramsOf(tokens: number, maxTokens: number): Record<string, unknown> {
  // One message costs 3 + 4 tokens of framing; each 4 characters of text, one more.
  const messages = [{ role: 'user', content: 'x'.repeat((tokens - 7) * 4) }];
  expect(countInputTokens(undefined, messages)).toBe(tokens);
  return { model: 'claude-haiku-4-5', max_tokens: maxTokens, messages };
}

describe("the simulated API's context window", () => {
  it('is 200,000 tokens for the models the pipeline uses', () => {
    expect(WINDOW).toBe(200_000);
  });

  it('refuses a prompt over the window, naming its tokens and the maximum', () => {
    expect(validateParams(paramsOf(1_834_567, 200))).toEqual({
      ok: false,
      errorType: 'invalid_request_error',
      message: 'prompt is too long: 1834567 tokens > 200000 maximum',
    });
    expect(validateParams(paramsOf(WINDOW + 1, 1))).toMatchObject({
      message: `prompt is too long: ${WINDOW + 1} tokens > ${WINDOW} maximum`,
    });
  });

  it('refuses a prompt that fits only without its max_tokens, with the sum in the message', () => {
    expect(validateParams(paramsOf(180_000, 64_000))).toEqual({
      ok: false,
      errorType: 'invalid_request_error',
      message:
        'input length and `max_tokens` exceed context limit: 180000 + 64000 > 200000, decrease input length or `max_tokens` and try again',
    });
    expect(validateParams(paramsOf(WINDOW, 1))).toMatchObject({
      message: `input length and \`max_tokens\` exceed context limit: ${WINDOW} + 1 > ${WINDOW}, decrease input length or \`max_tokens\` and try again`,
    });
  });

  it('accepts a prompt and max_tokens that fill the window exactly', () => {
    expect(validateParams(paramsOf(WINDOW - 200, 200))).toMatchObject({ ok: true, maxTokens: 200 });
    expect(validateParams(paramsOf(WINDOW - 64_000, 64_000)).ok).toBe(true);
  });

  it('counts the system prompt and every message, as usage does', () => {
    const half = 'x'.repeat(WINDOW * 2);
    const params = {
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      system: half,
      messages: [
        { role: 'user', content: [{ type: 'text', text: half }] },
        { role: 'assistant', content: 'ok' },
      ],
    };
    const tokens = countInputTokens(params.system, params.messages);
    expect(tokens).toBeGreaterThan(WINDOW);
    expect(validateParams(params)).toMatchObject({
      message: `prompt is too long: ${tokens} tokens > ${WINDOW} maximum`,
    });
  });

  it('reports a max_tokens over the model cap before the window', () => {
    expect(validateParams(paramsOf(WINDOW + 5, 9_999_999))).toMatchObject({
      message: expect.stringMatching(/^max_tokens: 9999999 > 64000/),
    });
  });
});
