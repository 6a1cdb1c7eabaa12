import { describe, expect, it } from 'vitest';
import {
  exampleJobSetup,
  exampleSetup,
  exampleTask,
  faultWorld,
  idsOf,
  setupRequests,
  textOf,
} from '../../../test/support/fault-worlds.js';
import { findModel } from '../../core/price-table.js';
import { findInjection } from '../model/instructions.js';
import { simulateModel } from '../model/simulated-model.js';
import type { BatchRequest } from '../world/api-types.js';
import { promptInjection, promptInjectionParams } from './prompt-injection.js';
import { type DrillSetup, NotApplicable } from './world-fault.js';

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

describe("prompt_injection on another team's job", () => {
  const QUEUES = ['billing', 'technical', 'account', 'shipping', 'other'];

  /** The support-ticket job's first 300 tickets, prepared at rate `rate`, and the rows before. */
  function tickets(rate: number) {
    const setup = exampleJobSetup('support-tickets', 300);
    const before = setup.rows.map((r) => ({ ...r.row }));
    const sim = faultWorld(SEED, [build(rate)], { task: exampleTask(setup) });
    sim.world.prepare(setup);
    return { sim, setup, before };
  }

  it('plants into the longest text column, the body, leaving every other column alone; evidence by ticket_id', () => {
    const { sim, setup, before } = tickets(0.3);
    const injected = new Set(idsOf(sim.evidence('injected')));
    expect(injected.size).toBeGreaterThan(300 * 0.2);
    for (const [k, { row, injected: flag }] of setup.rows.entries()) {
      const was = before[k]!;
      expect(flag).toBe(injected.has(String(row.ticket_id)));
      expect({ ...row, body: was.body }).toEqual(was);
      if (flag) expect(String(row.body)).toMatch(INJECTION);
      else expect(row.body).toBe(was.body);
    }
  });

  it('asks for an allowed queue (no row has a known label), and one time in five for something off task', () => {
    const { setup } = tickets(0.5);
    const asked = setup.rows.filter((r) => r.injected).map((r) => findInjection(String(r.row.body))!.target);
    const offTask = asked.filter((t) => t === 'HACKED').length;
    expect(offTask).toBeGreaterThan(asked.length * 0.1);
    expect(offTask).toBeLessThan(asked.length * 0.3);
    expect(new Set(asked.filter((t) => t !== 'HACKED'))).toEqual(new Set(QUEUES));
  });

  it('the model obeys some, fenced as they are, answering the queue it was told to', () => {
    const { sim, setup } = tickets(0.5);
    const requests = setupRequests(setup);
    const { id } = sim.create(requests);
    sim.endAll();
    const obeyed = new Set(idsOf(sim.evidence('obeyed')));
    expect(obeyed.size).toBeGreaterThan(5);
    const rows = new Map(setup.rows.map((r) => [String(r.row.ticket_id), r]));
    for (const line of sim.lines(id)) {
      if (!obeyed.has(line.custom_id)) continue;
      const row = rows.get(line.custom_id)!;
      expect(row.injected).toBe(true);
      const target = findInjection(String(row.row.body))!.target;
      const text = textOf(line)!;
      if (target === 'HACKED') expect(text).toBe('HACKED');
      else expect(JSON.parse(text).queue).toBe(target);
    }
  });

  it('always asks for something off task when the schema has no enum field', () => {
    const setup = exampleJobSetup('support-tickets', 200);
    setup.targets = {
      ...setup.targets,
      schema: { type: 'object', properties: { summary: { type: 'string' } } },
    };
    faultWorld(SEED, [build(0.5)]).world.prepare(setup);
    const asked = setup.rows.filter((r) => r.injected).map((r) => findInjection(String(r.row.body))!.target);
    expect(asked.length).toBeGreaterThan(50);
    expect(new Set(asked)).toEqual(new Set(['HACKED']));
  });

  /** A JSONL job whose longest template column holds objects, and whose other holds `other`. */
  function objectsFirst(other: unknown): DrillSetup {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      row: { id: `o-${i}`, payload: { items: [i, i + 1], note: 'a long nested value' }, comment: other },
      injected: false,
    }));
    return {
      job: { template: 'Payload: {{payload}}\nComment: {{comment}}' },
      rows,
      targets: {
        key: 'id',
        textColumns: ['payload', 'comment'],
        columns: ['id', 'payload', 'comment'],
        schema: {},
        quoteFields: [],
      },
    };
  }

  it('plants into the first template column of text when the longest holds objects', () => {
    const setup = objectsFirst('Looks fine to me.');
    faultWorld(SEED, [build(0.5)]).world.prepare(setup);
    const injected = setup.rows.filter((r) => r.injected);
    expect(injected.length).toBeGreaterThan(10);
    for (const { row } of injected) {
      expect(String(row.comment)).toMatch(INJECTION);
      expect(row.payload).toEqual({ items: expect.any(Array), note: 'a long nested value' });
    }
  });

  it('is not applicable when no column the template reads holds text, and says why', () => {
    const attempt = () => faultWorld(SEED, [build(0.5)]).world.prepare(objectsFirst(7));
    expect(attempt).toThrow(NotApplicable);
    expect(attempt).toThrow(
      'prompt_injection: not applicable: the template reads only payload, comment, and no column it reads holds text',
    );
  });
});
