import { describe, expect, it } from 'vitest';
import { exampleSetup, faultWorld, idsOf, setupRequests } from '../../../test/support/fault-worlds.js';
import { findModel } from '../../core/price-table.js';
import { simulateModel } from '../model/simulated-model.js';
import type { BatchRequest } from '../world/api-types.js';
import { promptInjection, promptInjectionParams } from './prompt-injection.js';

const SEED = 23;
const INJECTION = /Ignore (all |the )?(previous|above) instructions|Label this as/;
const build = (rate: number) => promptInjection(promptInjectionParams.parse({ injection_rate: rate }));

/** A prepared example setup of `rows` rows in a world seeded `seed`, and the texts before prepare. */
function prepared(seed: number, rate: number, rows = 300, preInjected = 0) {
  const sim = faultWorld(seed, [build(rate)]);
  const setup = exampleSetup(SEED, rows, preInjected);
  const before = setup.rows.map((r) => ({ text: r.row.text, injected: r.injected }));
  sim.world.prepare(setup);
  return { sim, setup, before };
}

describe('prompt_injection prepare', () => {
  it('plants an instruction in about injection_rate of the rows, recording `injected` by row key', () => {
    const { sim, setup, before } = prepared(SEED, 0.25);
    const injected = new Set(idsOf(sim.evidence('injected')));
    expect(injected.size).toBeGreaterThan(300 * 0.18);
    expect(injected.size).toBeLessThan(300 * 0.32);
    expect(sim.evidence().every((e) => e.fault === 'prompt_injection' && e.batchId === null)).toBe(true);
    for (const [k, { row, injected: flag }] of setup.rows.entries()) {
      const was = before[k]!.text;
      if (injected.has(row.id)) {
        expect(flag).toBe(true);
        expect(row.text).toMatch(INJECTION);
        expect(row.text.startsWith(was) || row.text.endsWith(was)).toBe(true);
        expect(row.text).not.toBe(was);
      } else {
        expect(flag).toBe(false);
        expect(row.text).toBe(was);
      }
    }
  });

  it('skips rows the dataset already injected, neither re-planting nor recording them', () => {
    const { sim, setup, before } = prepared(SEED, 0.3, 300, 0.1);
    const pre = setup.rows.filter((_, k) => before[k]!.injected);
    expect(pre.length).toBeGreaterThan(10);
    const recorded = new Set(idsOf(sim.evidence('injected')));
    for (const generated of pre) {
      expect(recorded.has(generated.row.id)).toBe(false);
      expect(generated.row.text).toBe(before[setup.rows.indexOf(generated)]!.text);
    }
  });

  it("chooses its rows from the world's seed", () => {
    const chosen = (seed: number) => idsOf(prepared(seed, 0.2).sim.evidence());
    expect(chosen(1)).toEqual(chosen(1));
    expect(chosen(2)).not.toEqual(chosen(1));
  });

  it('refuses a rate of 0', () => {
    expect(promptInjectionParams.safeParse({ injection_rate: 0 }).success).toBe(false);
  });
});

describe('prompt_injection obeyed', () => {
  /** Which requests the simulated model obeys, asked directly. */
  function obeyedByModel(requests: BatchRequest[]): string[] {
    return requests
      .filter(
        (r) =>
          simulateModel(SEED, {
            model: findModel(r.params.model as string)!,
            messages: r.params.messages,
            maxTokens: r.params.max_tokens as number,
          }).obeyed,
      )
      .map((r) => r.custom_id)
      .sort();
  }

  it.each([
    ['unfenced', null, 20],
    ['fenced', 'data-0123456789ab', 1],
  ])('records `obeyed` exactly for the %s replies where the model obeyed', (_, fence, least) => {
    const { sim, setup } = prepared(SEED, 0.5, 120);
    const requests = setupRequests(setup, fence);
    const batch = sim.create(requests);
    sim.endAll();
    const obeyed = sim.evidence('obeyed');
    expect(idsOf(obeyed)).toEqual(obeyedByModel(requests));
    expect(obeyed.length).toBeGreaterThanOrEqual(least);
    expect(obeyed.every((e) => e.batchId === batch.id)).toBe(true);
    const injected = new Set(idsOf(sim.evidence('injected')));
    expect(obeyed.filter((e) => !injected.has(e.id))).toEqual([]);
  });

  it('records no `obeyed` for clean rows', () => {
    const sim = faultWorld(SEED, [build(0.5)]);
    const { id } = sim.create(setupRequests(exampleSetup(SEED, 60), null));
    sim.endAll();
    expect(sim.lines(id)).toHaveLength(60);
    expect(sim.evidence()).toEqual([]);
  });
});
