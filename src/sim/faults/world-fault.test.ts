import { describe, expect, it } from 'vitest';
import { exampleSetup, faultWorld, type ResultLine, textOf } from '../../../test/support/fault-worlds.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { keyedUnit } from '../seed.js';
import { EXPIRY_MS } from '../world/sim-batch.js';
import { type FaultEvidence, faultContext, type SourceHandle, type WorldFault } from './world-fault.js';

describe('faultContext', () => {
  it("draws from the seed, the fault's name and the parts, in [0, 1)", () => {
    const ctx = faultContext(7, 'some_fault', []);
    expect(ctx.draw('a', 'b', 3)).toBe(keyedUnit(7, 'fault', 'some_fault', 'a', 'b', 3));
    expect(ctx.draw('a', 'b', 3)).toBe(ctx.draw('a', 'b', 3));
    expect(ctx.draw('a', 'b', 3)).not.toBe(faultContext(7, 'other_fault', []).draw('a', 'b', 3));
    expect(ctx.draw('a', 'b', 3)).not.toBe(faultContext(8, 'some_fault', []).draw('a', 'b', 3));
    const draws = Array.from({ length: 500 }, (_, k) => ctx.draw(k));
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    expect(Math.abs(draws.reduce((a, b) => a + b, 0) / 500 - 0.5)).toBeLessThan(0.05);
  });

  it('records evidence under its name into the list it was given, batchId null when none', () => {
    const evidence: FaultEvidence[] = [];
    const source: SourceHandle = { targets: exampleSetup(1, 1).targets, rewrite: () => undefined };
    const ctx = faultContext(1, 'f', evidence, source);
    ctx.record('kind_a', 'id-1');
    ctx.record('kind_b', 'id-2', 'msgbatch_1');
    expect(evidence).toEqual([
      { fault: 'f', kind: 'kind_a', id: 'id-1', batchId: null },
      { fault: 'f', kind: 'kind_b', id: 'id-2', batchId: 'msgbatch_1' },
    ]);
    expect(ctx.source).toBe(source);
    expect(faultContext(1, 'f', []).source).toBeUndefined();
  });
});

describe('the world calls the hooks', () => {
  /** A fault that logs every hook call and uses each one once. */
  function spy(log: string[]): WorldFault {
    return {
      name: 'spy',
      processing: (batch) => {
        log.push(`processing ${batch.sequence}`);
        return { queueDelayMs: [0, 0], requestLatencyMs: [1_000, 1_000] };
      },
      plan: (batch, index) => {
        log.push(`plan ${batch.requests[index]!.custom_id}`);
        if (index === 1) return { error: { errorType: 'api_error', message: 'boom' } };
        return index === 2 ? { neverFinishes: true } : undefined;
      },
      afterCreate: (batch, ctx) => {
        log.push('afterCreate');
        ctx.record('seen', String(batch.requests.length), batch.id);
        return undefined;
      },
      reply: (view, reply) => {
        log.push(`reply ${view.customId}`);
        return { ...reply, text: `spied ${view.customId}` };
      },
      lines: (view, line) => {
        log.push(`lines ${view.customId} ${view.type}`);
        return [line];
      },
      extraLines: () => {
        log.push('extraLines');
        return ['{"custom_id":"extra","result":{"type":"canceled"}}'];
      },
    };
  }

  it('at create: processing, then plan per request, then afterCreate; at the end: reply, lines, extraLines, once', () => {
    const log: string[] = [];
    const sim = faultWorld(3, [spy(log)]);
    const batch = sim.create(reviewRequests(4));
    expect(log).toEqual(['processing 0', 'plan r-0', 'plan r-1', 'plan r-2', 'plan r-3', 'afterCreate']);
    expect(sim.evidence()).toEqual([{ fault: 'spy', kind: 'seen', id: '4', batchId: batch.id }]);

    sim.clock.advance(EXPIRY_MS - 1);
    expect(sim.world.retrieve(batch.id).request_counts).toMatchObject({
      succeeded: 2,
      errored: 1,
      processing: 1,
    });
    expect(log).toHaveLength(6);

    sim.clock.advance(1);
    sim.world.retrieve(batch.id);
    const settled = log.slice(6);
    expect(settled.filter((c) => c.startsWith('reply')).sort()).toEqual(['reply r-0', 'reply r-3']);
    expect(settled.filter((c) => c.startsWith('lines')).sort()).toEqual([
      'lines r-0 succeeded',
      'lines r-1 errored',
      'lines r-2 expired',
      'lines r-3 succeeded',
    ]);
    expect(settled.at(-1)).toBe('extraLines');
    sim.world.retrieve(batch.id);
    sim.world.groundTruth();
    expect(log).toHaveLength(6 + 7);

    const lines = sim.lines(batch.id);
    const byId = new Map<string, ResultLine>(lines.map((l) => [l.custom_id, l]));
    expect(textOf(byId.get('r-0')!)).toBe('spied r-0');
    expect(byId.get('r-1')!.result.error!.error).toMatchObject({ type: 'api_error', message: 'boom' });
    expect(lines.at(-1)).toEqual({ custom_id: 'extra', result: { type: 'canceled' } });
  });

  it('lets the first fault that plans a change decide a request', () => {
    const later: number[] = [];
    const first: WorldFault = { name: 'first', plan: () => ({ neverFinishes: true }) };
    const second: WorldFault = { name: 'second', plan: (_, index) => void later.push(index) };
    faultWorld(3, [first, second]).create(reviewRequests(3));
    expect(later).toEqual([]);
  });

  it('hands each lines hook every line the one before it let through', () => {
    const seen: string[] = [];
    const twice: WorldFault = { name: 'twice', lines: (_, line) => [line, line] };
    const count: WorldFault = {
      name: 'count',
      lines: (view, line) => {
        seen.push(view.customId);
        return [line];
      },
    };
    const sim = faultWorld(3, [twice, count]);
    const { id } = sim.create(reviewRequests(3));
    sim.endAll();
    expect(sim.lines(id)).toHaveLength(6);
    expect(seen.sort()).toEqual(['r-0', 'r-0', 'r-1', 'r-1', 'r-2', 'r-2']);
  });

  it('runs every prepare in order, and files outside evidence under the name given', () => {
    const order: string[] = [];
    const a: WorldFault = { name: 'a', prepare: (setup) => void order.push(`a ${setup.rows.length}`) };
    const b: WorldFault = { name: 'b', prepare: (_, ctx) => ctx.record('prepared', 'b') };
    const sim = faultWorld(3, [a, b]);
    sim.world.prepare(exampleSetup(3, 4));
    sim.world.recordEvidence('cost_runaway', 'crash', 'submit:after-create');
    expect(order).toEqual(['a 4']);
    expect(sim.evidence()).toEqual([
      { fault: 'b', kind: 'prepared', id: 'b', batchId: null },
      { fault: 'cost_runaway', kind: 'crash', id: 'submit:after-create', batchId: null },
    ]);
    expect(sim.world.faultList()).toEqual([a, b]);
  });
});
