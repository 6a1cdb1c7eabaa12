import { describe, expect, it } from 'vitest';
import { type FaultWorld, faultWorld, idsOf, idsOfType } from '../../../test/support/fault-worlds.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { parseRfc3339 } from '../../core/rfc3339.js';
import { EXPIRY_MS } from '../world/sim-batch.js';
import { silentPartialDrop, silentPartialDropParams } from './silent-partial-drop.js';

const ROWS = 200;

function dropWorld(params: Record<string, unknown>, seed = 7): { sim: FaultWorld; batchId: string } {
  const sim = faultWorld(seed, [silentPartialDrop(silentPartialDropParams.parse(params))]);
  const { id } = sim.create(reviewRequests(ROWS));
  return { sim, batchId: id };
}

describe('silent_partial_drop', () => {
  it('leaves the missing lines out of the results file, yet counts and bills them as succeeded', () => {
    const { sim, batchId } = dropWorld({ missing_rate: 0.2 });
    sim.endAll();
    const missing = idsOf(sim.evidence('missing'));
    expect(missing.length).toBeGreaterThan(ROWS * 0.1);
    expect(missing.length).toBeLessThan(ROWS * 0.3);
    expect(sim.evidence().every((e) => e.fault === 'silent_partial_drop' && e.batchId === batchId)).toBe(
      true,
    );

    const written = sim.lines(batchId).map((l) => l.custom_id);
    expect(written).toHaveLength(ROWS - missing.length);
    expect(written.filter((id) => missing.includes(id))).toEqual([]);
    expect(new Set([...written, ...missing]).size).toBe(ROWS);

    expect(sim.world.retrieve(batchId).request_counts).toMatchObject({ succeeded: ROWS, errored: 0 });
    expect(sim.world.groundTruth().billing).toEqual([
      expect.objectContaining({ batchId, succeededRows: ROWS }),
    ]);
  });

  it('errors a share of rows, invalid_request_error for the fatal share and 529/500 for the rest', () => {
    const { sim, batchId } = dropWorld({ errored_rate: 0.4, fatal_share: 0.5 });
    sim.endAll();
    const fatal = idsOf(sim.evidence('errored_fatal'));
    const retryable = idsOf(sim.evidence('errored_retryable'));
    const errored = fatal.length + retryable.length;
    expect(errored).toBeGreaterThan(ROWS * 0.3);
    expect(errored).toBeLessThan(ROWS * 0.5);
    expect(fatal.length).toBeGreaterThan(errored * 0.3);
    expect(fatal.length).toBeLessThan(errored * 0.7);

    const lines = sim.lines(batchId);
    expect(idsOfType(lines, 'errored')).toEqual([...fatal, ...retryable].sort());
    const typeOf = new Map(lines.map((l) => [l.custom_id, l.result.error?.error.type]));
    expect(new Set(fatal.map((id) => typeOf.get(id)))).toEqual(new Set(['invalid_request_error']));
    expect(new Set(retryable.map((id) => typeOf.get(id)))).toEqual(
      new Set(['overloaded_error', 'api_error']),
    );

    const counts = sim.world.retrieve(batchId).request_counts;
    expect(counts).toMatchObject({ errored, succeeded: ROWS - errored });
    expect(sim.world.groundTruth().billing[0]!.succeededRows).toBe(ROWS - errored);
  });

  it.each([
    [0, 'errored_retryable'],
    [1, 'errored_fatal'],
  ])('with fatal_share %d every errored row is %s', (fatalShare, kind) => {
    const { sim } = dropWorld({ errored_rate: 0.3, fatal_share: fatalShare });
    sim.endAll();
    const kinds = new Set(sim.evidence().map((e) => e.kind));
    expect(kinds).toEqual(new Set([kind]));
  });

  it('keeps the expired rows unfinished until the 24 h window, then ends the batch with them expired', () => {
    const { sim, batchId } = dropWorld({ expired_rate: 0.15 });
    const expired = idsOf(sim.evidence('expired'));
    expect(expired.length).toBeGreaterThan(ROWS * 0.05);
    expect(expired.length).toBeLessThan(ROWS * 0.25);

    const created = sim.clock.now();
    sim.clock.advance(EXPIRY_MS - 1);
    const before = sim.world.retrieve(batchId);
    expect(before.processing_status).toBe('in_progress');
    expect(before.request_counts).toMatchObject({
      processing: expired.length,
      succeeded: ROWS - expired.length,
    });

    sim.clock.advance(1);
    const after = sim.world.retrieve(batchId);
    expect(after.processing_status).toBe('ended');
    expect(parseRfc3339(after.ended_at!)).toBe(created + EXPIRY_MS);
    expect(after.request_counts).toMatchObject({ expired: expired.length, succeeded: ROWS - expired.length });
    expect(idsOfType(sim.lines(batchId), 'expired')).toEqual(expired);
    expect(sim.world.groundTruth().billing[0]!.succeededRows).toBe(ROWS - expired.length);
  });

  it('cuts results downloads mid-line, so iterating them through the SDK throws', async () => {
    const { sim, batchId } = dropWorld({ cut_rate: 1 });
    sim.endAll();
    const read = async () => {
      const ids: string[] = [];
      for await (const row of await sim.client.messages.batches.results(batchId)) ids.push(row.custom_id);
      return ids;
    };
    await expect(read()).rejects.toThrow(SyntaxError);
    expect(sim.world.groundTruth().httpFaults).toEqual([
      expect.objectContaining({ name: 'results_cut', family: 'silent_partial_drop', route: 'results' }),
    ]);
    // One cut per download key (attemptsMax 1): the retry reads the whole file.
    expect(await read()).toHaveLength(ROWS);
  });

  it('brings no HTTP fault when cut_rate is 0', () => {
    expect(silentPartialDrop(silentPartialDropParams.parse({ missing_rate: 0.1 })).httpFaults).toEqual([]);
  });

  it('gives each row one planned fate: errored and expired are drawn from disjoint shares', () => {
    const { sim, batchId } = dropWorld({ errored_rate: 0.2, expired_rate: 0.2 });
    sim.endAll();
    const byId = new Map<string, string[]>();
    for (const e of sim.evidence()) byId.set(e.id, [...(byId.get(e.id) ?? []), e.kind]);
    expect([...byId.values()].every((kinds) => kinds.length === 1)).toBe(true);
    const lines = sim.lines(batchId);
    expect(idsOfType(lines, 'expired')).toEqual(idsOf(sim.evidence('expired')));
  });

  it('refuses parameters that would inject nothing', () => {
    expect(silentPartialDropParams.safeParse({}).success).toBe(false);
    expect(silentPartialDropParams.safeParse({ missing_rate: 1.5 }).success).toBe(false);
    expect(silentPartialDropParams.parse({ cut_rate: 0.1 })).toMatchObject({
      fatal_share: 0.25,
      missing_rate: 0,
    });
  });
});
