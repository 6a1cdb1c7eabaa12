import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import { describe, expect, it } from 'vitest';
import { makeClient } from '../client.js';
import {
  CREATE_BODY_CHUNK_BYTES,
  createArgs,
  createBody,
  STREAMED_CREATE_REQUESTS_MIN,
} from './create-body.js';

const requests = (n: number): BatchCreateParams.Request[] =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `r_${i}`,
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: `Review ${i}: "très bien" 很好 \\ ${'x'.repeat(i % 300)}\n` }],
    },
  }));

async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** A client whose fetch keeps what each create sent and answers with a batch. */
function capturingClient() {
  const sent: { body: string; streamed: boolean; contentType: string | null }[] = [];
  const client = makeClient({
    apiKey: 'test',
    baseURL: 'http://api.test',
    fetch: async (input, init) => {
      const request = new Request(input, init);
      sent.push({
        body: await request.text(),
        streamed: init?.body instanceof ReadableStream,
        contentType: request.headers.get('content-type'),
      });
      return Response.json({ id: 'msgbatch_1', type: 'message_batch' });
    },
  });
  return { client, sent };
}

describe('a batch create body', () => {
  it('is the bytes JSON.stringify makes of the whole body, in chunks of about a megabyte', async () => {
    const many = requests(8_000);
    const chunks: Uint8Array[] = [];
    for await (const chunk of createBody(many)) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(4 * CREATE_BODY_CHUNK_BYTES);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(JSON.stringify({ requests: many }));
    expect(await bytesOf(createBody([]))).toBe('{"requests":[]}');
  });

  it('is streamed by the SDK for a large batch, and a string for a small one, with the same bytes', async () => {
    const { client, sent } = capturingClient();
    const large = requests(STREAMED_CREATE_REQUESTS_MIN);
    const small = requests(3);
    await client.messages.batches.create(...createArgs(large, large.length));
    await client.messages.batches.create(...createArgs(small, small.length));
    expect(sent.map((s) => s.streamed)).toEqual([true, false]);
    expect(sent[0]!.body).toBe(JSON.stringify({ requests: large }));
    expect(sent[1]!.body).toBe(JSON.stringify({ requests: small }));
    expect(sent.map((s) => s.contentType)).toEqual(['application/json', 'application/json']);
  });

  it('is made afresh for each attempt, so a create tried again sends the whole body again', async () => {
    const { client, sent } = capturingClient();
    const large = requests(STREAMED_CREATE_REQUESTS_MIN);
    for (let attempt = 0; attempt < 2; attempt++)
      await client.messages.batches.create(...createArgs(large, large.length));
    expect(sent[1]!.body).toBe(sent[0]!.body);
  });
});
