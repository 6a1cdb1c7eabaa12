import { describe, expect, it } from 'vitest';
import { findModel } from '../src/core/price-table.js';
import { countInputTokens } from '../src/sim/model/tokens.js';
import { SimClock } from '../src/sim/sim-clock.js';
import { BatchWorld } from '../src/sim/world/batch-world.js';
import { jobFolder, reviews, type SimRun, simRun } from './support/pipeline-harness.js';
import { reviewRequest } from './support/requests.js';
import { dispositionsByKey, expectInvariants } from './support/run-checks.js';

/*
 * The simulated API refuses a prompt over the model's context window the way the real one does:
 * the batch is accepted, that one request comes back `errored` (`invalid_request_error`), it is
 * not billed, and the other requests of the batch are answered as usual. The pipeline reads such
 * a row as a refusal (dead-lettered, never sent again), never as an answer to promote.
 */

const WINDOW = findModel('claude-haiku-4-5')!.contextWindowTokens;
const DAY_MS = 86_400_000;

/** About 260,000 tokens of review: over the 200,000-token window by itself. */
const HUGE = 'This review goes on and on. '.repeat(37_000);

describe('a batch holding a request over the context window', () => {
  it('errors that request alone, names its tokens, and bills only the others', () => {
    const clock = new SimClock();
    const world = new BatchWorld({ seed: 3, clock });
    const huge = reviewRequest('huge', HUGE);
    const tight = reviewRequest('tight', 'x'.repeat((WINDOW - 64_000) * 4), { max_tokens: 64_000 });
    const ok = [reviewRequest('a', 'Great value.'), reviewRequest('b', 'Broke in a week.')];
    const body = JSON.stringify({ requests: [ok[0], huge, tight, ok[1]] });
    const batch = world.create(body, Buffer.byteLength(body));
    clock.advance(DAY_MS);
    expect(world.retrieve(batch.id).request_counts).toMatchObject({ succeeded: 2, errored: 2 });

    const lines = [...world.resultLinesOf(batch.id)].map((l) => JSON.parse(l));
    const resultOf = (id: string) => lines.find((l) => l.custom_id === id).result;
    const tokens = countInputTokens(undefined, huge.params.messages);
    expect(tokens).toBeGreaterThan(WINDOW);
    expect(resultOf('huge')).toMatchObject({
      type: 'errored',
      error: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: `prompt is too long: ${tokens} tokens > ${WINDOW} maximum`,
        },
      },
    });
    const tightTokens = countInputTokens(undefined, tight.params.messages);
    expect(resultOf('tight').error.error.message).toBe(
      `input length and \`max_tokens\` exceed context limit: ${tightTokens} + 64000 > ${WINDOW}, decrease input length or \`max_tokens\` and try again`,
    );
    for (const id of ['a', 'b']) expect(resultOf(id).type).toBe('succeeded');
    const [bill] = world.groundTruth().billing;
    expect(bill).toMatchObject({ succeededRows: 2 });
    expect(bill!.inputTokens).toBeLessThan(1_000);
    world.dispose();
  });
});

/** Pad the requests of row `rowKey` in every create, after the pipeline built them, as a tokenizer counting more would. */
function padRequestsOf(run: SimRun, rowKey: string, padding: string): () => number {
  const inner = run.env.fetch;
  let padded = 0;
  run.env.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/v1/messages/batches')
      return inner(request);
    const body = (await request.json()) as {
      requests: { custom_id: string; params: { messages: { content: string }[] } }[];
    };
    for (const item of body.requests) {
      if (!item.custom_id.includes(rowKey)) continue;
      item.params.messages[0]!.content += padding;
      padded++;
    }
    return inner(
      new Request(request.url, { method: 'POST', headers: request.headers, body: JSON.stringify(body) }),
    );
  };
  return () => padded;
}

/*
 * The pipeline's preflight quarantines a row its own estimate puts over the window before launch
 * (prompt_too_long); the world's refusal is the backstop for a row the estimate let through, as
 * the real tokenizer may count more than four characters a token.
 */
describe('a pipeline run in simulation', () => {
  it('dead-letters a request the world refuses for its length, and sends it no second time', async () => {
    const rows = reviews(30);
    const { dir, job } = jobFolder(rows);
    const run = await simRun(dir, { seed: 1 });
    // The preflight's estimate let the row through; the API's count is over the window.
    const padded = padRequestsOf(run, 'rev-0007', HUGE);
    const summary = await run.start(job);
    expect(padded()).toBe(1);
    const refused = run.sim.world
      .groundTruth()
      .billing.flatMap((b) => [...run.sim.world.resultLinesOf(b.batchId)])
      .map((l) => JSON.parse(l))
      .filter((l) => l.result.type === 'errored');
    expect(refused).toHaveLength(1);
    expect(refused[0].custom_id).toContain('rev-0007');
    expect(refused[0].result.error.error.message).toMatch(
      /^prompt is too long: \d+ tokens > 200000 maximum$/,
    );
    const outcome = await run.db.one<{ kind: string; reason: string; detail: string }>(
      'SELECT kind, reason, detail FROM outcomes WHERE custom_id = ?',
      [refused[0].custom_id],
    );
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'invalid_request' });
    expect(outcome!.detail).toMatch(/^prompt is too long/);
    expect((await dispositionsByKey(run.db)).get('rev-0007')).toEqual({
      disposition: 'dead_lettered',
      reason: 'invalid_request',
    });
    // The refused prompt is not billed: every billed input token is one of the other rows'.
    const billed = run.sim.world.groundTruth().billing.reduce((n, b) => n + b.inputTokens, 0);
    expect(billed).toBeLessThan(WINDOW);
    expect(summary.status).toBe('promoted');
    await expectInvariants(run, summary.runId, job, rows);
  });
});
