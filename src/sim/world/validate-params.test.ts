import { describe, expect, it } from 'vitest';
import { findModel, MODELS } from '../../core/price-table.js';
import { validateParams } from './validate-params.js';

const VALID = { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
const without = (key: keyof typeof VALID): Record<string, unknown> => {
  const params: Record<string, unknown> = { ...VALID };
  delete params[key];
  return params;
};

describe('validateParams', () => {
  it('accepts a valid request and resolves an alias to the canonical model entry', () => {
    const check = validateParams(VALID);
    expect(check).toEqual({ ok: true, model: findModel('claude-haiku-4-5-20251001'), maxTokens: 100 });
    expect(check.ok && check.model.id).toBe('claude-haiku-4-5-20251001');
  });

  it('accepts every known model by id and by alias, up to its own output cap', () => {
    for (const model of MODELS) {
      for (const name of [model.id, ...model.aliases]) {
        const check = validateParams({ ...VALID, model: name, max_tokens: model.maxOutputTokens });
        expect(check.ok && check.model).toBe(model);
      }
    }
  });

  it('accepts assistant turns, content blocks, stream false and keys it does not know about', () => {
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'assistant', content: 'b' },
    ];
    expect(validateParams({ ...VALID, messages, stream: false, system: 's', temperature: 0 }).ok).toBe(true);
  });

  it.each([
    ['stream: true', { ...VALID, stream: true }, '"stream=True" is not supported in the Message Batches API'],
    ['speed', { ...VALID, speed: 'fast' }, 'speed: is not supported in the Message Batches API'],
    ['store', { ...VALID, store: true }, 'store: is not supported in the Message Batches API'],
    [
      'previous_thread_event_id',
      { ...VALID, previous_thread_event_id: 'e' },
      'previous_thread_event_id: is not supported in the Message Batches API',
    ],
    ['cache_hint', { ...VALID, cache_hint: {} }, 'cache_hint: is not supported in the Message Batches API'],
    [
      'context_hint',
      { ...VALID, context_hint: null },
      'context_hint: is not supported in the Message Batches API',
    ],
    [
      'research_preview_2026_02',
      { ...VALID, research_preview_2026_02: true },
      'research_preview_2026_02: is not supported in the Message Batches API',
    ],
    ['a missing model', without('model'), 'model: Field required'],
    ['a model that is not a string', { ...VALID, model: 4 }, 'model: Input should be a valid string'],
    ['missing messages', without('messages'), 'messages: Field required'],
    ['messages that are not a list', { ...VALID, messages: 'hi' }, 'messages: Input should be a valid list'],
    ['empty messages', { ...VALID, messages: [] }, 'messages: at least one message is required'],
    [
      'a bad role',
      { ...VALID, messages: [VALID.messages[0], { role: 'system', content: 'x' }] },
      "messages.1.role: Input should be 'user' or 'assistant'",
    ],
    [
      'a message that is not an object',
      { ...VALID, messages: ['hi'] },
      "messages.0.role: Input should be 'user' or 'assistant'",
    ],
    [
      'content that is neither string nor list',
      { ...VALID, messages: [{ role: 'user', content: 3 }] },
      'messages.0.content: Input should be a valid string or list',
    ],
    ['missing max_tokens', without('max_tokens'), 'max_tokens: Field required'],
    ['a fractional max_tokens', { ...VALID, max_tokens: 1.5 }, 'max_tokens: Input should be a valid integer'],
    ['a string max_tokens', { ...VALID, max_tokens: '100' }, 'max_tokens: Input should be a valid integer'],
    ['max_tokens 0', { ...VALID, max_tokens: 0 }, 'max_tokens: must be greater than or equal to 1'],
    ['a negative max_tokens', { ...VALID, max_tokens: -5 }, 'max_tokens: must be greater than or equal to 1'],
  ])('defers %s as an invalid_request_error row', (_, params, message) => {
    expect(validateParams(params)).toEqual({ ok: false, errorType: 'invalid_request_error', message });
  });

  it('reports an unknown model as not_found_error, naming the model', () => {
    expect(validateParams({ ...VALID, model: 'claude-does-not-exist-9' })).toEqual({
      ok: false,
      errorType: 'not_found_error',
      message: 'model: claude-does-not-exist-9',
    });
  });

  it('refuses max_tokens one over the cap, naming the canonical model id even when given an alias', () => {
    const haiku = findModel('claude-haiku-4-5')!;
    expect(validateParams({ ...VALID, max_tokens: haiku.maxOutputTokens }).ok).toBe(true);
    expect(validateParams({ ...VALID, max_tokens: 9_999_999 })).toEqual({
      ok: false,
      errorType: 'invalid_request_error',
      message:
        'max_tokens: 9999999 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001',
    });
    const opus = findModel('claude-opus-4-1')!;
    const over = opus.maxOutputTokens + 1;
    expect(validateParams({ ...VALID, model: 'claude-opus-4-1', max_tokens: over })).toMatchObject({
      ok: false,
      message: `max_tokens: ${over} > ${opus.maxOutputTokens}, which is the maximum allowed number of output tokens for claude-opus-4-1-20250805`,
    });
  });

  it('reports stream before any other problem', () => {
    expect(validateParams({ stream: true, speed: 'fast' })).toMatchObject({
      message: '"stream=True" is not supported in the Message Batches API',
    });
  });
});
