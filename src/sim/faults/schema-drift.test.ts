import { describe, expect, it } from 'vitest';
import { faultWorld, idsOf, type ResultLine, textOf } from '../../../test/support/fault-worlds.js';
import { reviewRequest, reviewRequests } from '../../../test/support/requests.js';
import type { BatchRequest } from '../world/api-types.js';
import { DRIFTS, type Drift, schemaDrift, schemaDriftParams } from './schema-drift.js';

const SEED = 12;

/** Each succeeded line of one batch of `requests` in a world with `params`, by custom_id, and the world. */
function run(params: Record<string, unknown> | null, requests: readonly BatchRequest[] = reviewRequests(30)) {
  const sim = faultWorld(SEED, params ? [schemaDrift(schemaDriftParams.parse(params))] : []);
  const { id } = sim.create(requests);
  sim.endAll();
  const lines = new Map(sim.lines(id).map((l) => [l.custom_id, l]));
  return { sim, lines };
}

const clean = run(null).lines;
const cleanText = (id: string) => textOf(clean.get(id)!)!;
const cleanJson = (id: string) => JSON.parse(cleanText(id)) as Record<string, unknown>;

/** What each variant must turn the clean answer into, checked line by line. */
const EXPECT: Record<Drift, (line: ResultLine, id: string) => void> = {
  malformed: (line, id) => {
    expect(textOf(line)).toBe(cleanText(id).slice(0, -1));
    expect(() => JSON.parse(textOf(line)!)).toThrow(SyntaxError);
  },
  fenced: (line, id) => expect(textOf(line)).toBe('```json\n' + cleanText(id) + '\n```'),
  wrong_enum: (line, id) => expect(JSON.parse(textOf(line)!)).toEqual({ ...cleanJson(id), label: 'mixed' }),
  out_of_range: (line, id) => expect(JSON.parse(textOf(line)!)).toEqual({ ...cleanJson(id), score: 1.5 }),
  missing_field: (line, id) => {
    const { evidence, ...rest } = cleanJson(id);
    expect(evidence).toBeDefined();
    expect(JSON.parse(textOf(line)!)).toEqual(rest);
  },
  cut: (line, id) => {
    const full = cleanText(id);
    expect(textOf(line)).toBe(full.slice(0, Math.ceil(full.length / 2)));
    expect(line.result.message!.stop_reason).toBe('max_tokens');
    expect(line.result.message!.usage.output_tokens).toBeLessThanOrEqual(200);
  },
};

describe('schema_drift', () => {
  it('answers clean JSON with stop_reason end_turn when no fault is set (the baseline)', () => {
    expect(clean.size).toBe(30);
    for (const line of clean.values()) {
      expect(line.result.message!.stop_reason).toBe('end_turn');
      expect(Object.keys(JSON.parse(textOf(line)!)).sort()).toEqual(['evidence', 'label', 'score']);
    }
  });

  it.each(DRIFTS)('variant %s rewrites every answer as documented, with evidence by custom_id', (variant) => {
    const { sim, lines } = run({ rate: 1, variants: [variant] });
    for (const [id, line] of lines) EXPECT[variant](line, id);
    const evidence = sim.evidence();
    expect(idsOf(evidence)).toEqual([...lines.keys()].sort());
    expect(new Set(evidence.map((e) => `${e.fault} ${e.kind}`))).toEqual(
      new Set([`schema_drift drifted:${variant}`]),
    );
  });

  it('bills the drifted answer: a fenced answer costs more output tokens than the clean one', () => {
    const fenced = run({ rate: 1, variants: ['fenced'] }).sim.world.groundTruth().billing[0]!;
    const plain = faultWorld(SEED, []);
    const { id } = plain.create(reviewRequests(30));
    plain.endAll();
    const base = plain.world.groundTruth().billing.find((b) => b.batchId === id)!;
    expect(fenced.inputTokens).toBe(base.inputTokens);
    expect(fenced.outputTokens).toBeGreaterThan(base.outputTokens);
  });

  it('moves the fields it is told to', () => {
    const { lines } = run({
      rate: 1,
      variants: ['out_of_range'],
      number_field: 'confidence',
    });
    for (const [id, line] of lines) {
      expect(JSON.parse(textOf(line)!)).toEqual({ ...cleanJson(id), confidence: 1.5 });
    }
  });

  it('roughly honours its rate over many rows, draws every variant, and leaves the rest untouched', () => {
    const requests = reviewRequests(400);
    const { sim, lines } = run({ rate: 0.25 }, requests);
    const base = run(null, requests).lines;
    const evidence = sim.evidence();
    expect(evidence.length).toBeGreaterThan(400 * 0.18);
    expect(evidence.length).toBeLessThan(400 * 0.32);
    expect(new Set(evidence.map((e) => e.kind))).toEqual(new Set(DRIFTS.map((d) => `drifted:${d}`)));
    const drifted = new Set(evidence.map((e) => e.id));
    for (const [id, line] of lines) {
      if (drifted.has(id)) expect(textOf(line)).not.toBe(textOf(base.get(id)!));
      else expect(textOf(line)).toBe(textOf(base.get(id)!));
    }
  });

  it('leaves answers that are not JSON alone and records nothing for them', () => {
    const generic = Array.from({ length: 10 }, (_, i) => ({
      custom_id: `g-${i}`,
      params: {
        ...reviewRequest(`g-${i}`, '').params,
        messages: [{ role: 'user', content: `Write a poem ${i}` }],
      },
    }));
    const { sim, lines } = run({ rate: 1 }, generic);
    expect([...lines.values()].every((l) => textOf(l)!.startsWith('Simulated reply: '))).toBe(true);
    expect(sim.evidence()).toEqual([]);
  });

  it('refuses a rate outside 0..1 and an empty variant list', () => {
    expect(schemaDriftParams.safeParse({ rate: 1.2 }).success).toBe(false);
    expect(schemaDriftParams.safeParse({ rate: 0.5, variants: [] }).success).toBe(false);
    expect(schemaDriftParams.parse({ rate: 0.5 }).variants).toEqual([...DRIFTS]);
  });
});
