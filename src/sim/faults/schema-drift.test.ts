import { describe, expect, it } from 'vitest';
import {
  type ExampleJobName,
  exampleJobSetup,
  exampleSetup,
  exampleTask,
  faultWorld,
  idsOf,
  type ResultLine,
  setupRequests,
  textOf,
} from '../../../test/support/fault-worlds.js';
import { reviewRequest, reviewRequests } from '../../../test/support/requests.js';
import { REVIEW_SCHEMA } from '../../../test/support/review-schema.js';
import { fitsSchema } from '../model/schema-fits.js';
import type { BatchRequest } from '../world/api-types.js';
import { DRIFTS, type Drift, SCHEMA_BREAKS, schemaDrift, schemaDriftParams } from './schema-drift.js';
import { NotApplicable } from './world-fault.js';

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
  wrong_value: (line, id) => {
    const { label, ...rest } = JSON.parse(textOf(line)!);
    const { label: cleanLabel, ...cleanRest } = cleanJson(id);
    expect(rest).toEqual(cleanRest);
    expect(['positive', 'negative', 'neutral']).toContain(label);
    expect(label).not.toBe(cleanLabel);
  },
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
    expect(new Set(evidence.map((e) => e.kind))).toEqual(new Set(SCHEMA_BREAKS.map((d) => `drifted:${d}`)));
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
    expect(schemaDriftParams.parse({ rate: 0.5 }).variants).toEqual([...SCHEMA_BREAKS]);
    expect(schemaDriftParams.safeParse({ rate: 0.5, batches: [] }).success).toBe(false);
  });

  it('gives wrong_value answers the schema still accepts, each another allowed label', () => {
    const { lines } = run({ rate: 1, variants: ['wrong_value'] });
    const labels = new Set<unknown>();
    for (const [id, line] of lines) {
      const answer = JSON.parse(textOf(line)!);
      expect(fitsSchema(REVIEW_SCHEMA, answer)).toBe(true);
      expect(answer.label).not.toBe(cleanJson(id).label);
      labels.add(answer.label);
    }
    expect(labels.size).toBeGreaterThan(1);
  });

  it('leaves alone, when armed at prepare, the batches made before it, and counts batches from there', () => {
    const fault = schemaDrift(schemaDriftParams.parse({ rate: 1, batches: [0] }));
    const sim = faultWorld(SEED, [fault], { armAtPrepare: true });
    const before = sim.create(reviewRequests(10)).id; // a drill's clean first run
    sim.world.prepare(exampleSetup(SEED, 10));
    const after = sim.create(reviewRequests(10)).id;
    sim.endAll();
    expect(sim.lines(before).map(textOf)).toEqual(sim.lines(before).map((l) => cleanText(l.custom_id)));
    expect(new Set(sim.evidence().map((e) => e.batchId))).toEqual(new Set([after]));
  });

  it('drifts from the batch it names on, and only the answers of the job model it names', () => {
    const fault = schemaDrift(schemaDriftParams.parse({ rate: 1, from_batch: 1, model: 'escalation' }));
    const sim = faultWorld(SEED, [fault]);
    const setup = exampleSetup(SEED, 10);
    sim.world.prepare(setup);
    const escalation = String((setup.job.models as Record<string, unknown>).escalation);
    const asModel = (model: string) =>
      reviewRequests(10).map((r) => ({ ...r, params: { ...r.params, model } }));
    const first = sim.create(asModel(escalation)).id;
    const primary = sim.create(reviewRequests(10)).id;
    const later = sim.create(asModel(escalation)).id;
    sim.endAll();
    expect(new Set(sim.evidence().map((e) => e.batchId))).toEqual(new Set([later]));
    expect(sim.evidence().filter((e) => e.batchId === later)).toHaveLength(10);
    expect([first, primary]).not.toContain(later);
  });

  it('drifts only the batches it names, counted from the first batch', () => {
    const sim = faultWorld(SEED, [schemaDrift(schemaDriftParams.parse({ rate: 1, batches: [1] }))]);
    const first = sim.create(reviewRequests(10)).id;
    const second = sim.create(reviewRequests(10)).id;
    sim.endAll();
    expect(sim.lines(first).map(textOf)).toEqual(sim.lines(first).map((l) => cleanText(l.custom_id)));
    expect(new Set(sim.evidence().map((e) => e.batchId))).toEqual(new Set([second]));
  });
});

describe("schema_drift on another team's job", () => {
  /**
   * One batch of an example job's first `rows` rows, answered for its task, with the fault prepared
   * on the job's setup: each request's clean and drifted answer (a text's JSON or a tool call's
   * input; undefined for text that is no JSON), the evidence, and the raw lines.
   */
  function driftJob(name: ExampleJobName, params: Record<string, unknown>, rows = 30) {
    const setup = exampleJobSetup(name, rows);
    const answers = (faults: ReturnType<typeof schemaDrift>[]) => {
      const sim = faultWorld(SEED, faults, { task: exampleTask(setup) });
      sim.world.prepare(setup);
      const { id } = sim.create(setupRequests(setup));
      sim.endAll();
      const byId = new Map<
        string,
        { answer: Record<string, unknown> | undefined; line: Record<string, unknown> }
      >();
      for (const raw of sim.world.resultLinesOf(id)) {
        const line = JSON.parse(raw);
        const [block] = line.result.message.content;
        byId.set(line.custom_id, {
          answer: block?.type === 'tool_use' ? block.input : parsed(block?.text),
          line,
        });
      }
      return { byId, evidence: sim.evidence() };
    };
    const clean = answers([]).byId;
    return { clean, ...answers([schemaDrift(schemaDriftParams.parse(params))]) };
  }

  const parsed = (text: string | undefined): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(String(text));
    } catch {
      return undefined;
    }
  };

  it.each([
    ['out_of_range', (a: Record<string, unknown>) => ({ ...a, priority: 5 })],
    ['wrong_enum', (a: Record<string, unknown>) => ({ ...a, queue: 'mixed' })],
    [
      'missing_field',
      (a: Record<string, unknown>) => {
        const { evidence: _, ...rest } = a;
        return rest;
      },
    ],
  ] as const)(
    'support tickets: %s bends the field the schema gives (priority past its maximum 4, queue, the quote field)',
    (variant, expected) => {
      const { clean, byId, evidence } = driftJob('support-tickets', { rate: 1, variants: [variant] });
      const drifted = new Set(idsOf(evidence));
      expect(drifted.size).toBeGreaterThan(25);
      for (const [id, { answer }] of byId) {
        const was = clean.get(id)!.answer!;
        if (drifted.has(id)) expect(answer).toEqual(expected(was));
        else expect(answer).toEqual(was);
      }
    },
  );

  it('contract extraction: no top-level number has a bound, so out_of_range is never drawn; the enum and the quote field drift', () => {
    const { byId, clean, evidence } = driftJob('contract-extraction', { rate: 1 }, 120);
    const kinds = new Set(evidence.map((e) => e.kind));
    expect(kinds).toEqual(
      new Set(['malformed', 'fenced', 'wrong_enum', 'missing_field', 'cut'].map((d) => `drifted:${d}`)),
    );
    for (const e of evidence) {
      const answer = byId.get(e.id)!.answer;
      const was = clean.get(e.id)!.answer!;
      if (e.kind === 'drifted:wrong_enum') expect(answer).toEqual({ ...was, contract_type: 'mixed' });
      if (e.kind === 'drifted:missing_field') {
        const { term_quote: _, ...rest } = was;
        expect(answer).toEqual(rest);
      }
    }
  });

  it("tool-call moderation: the call's input drifts (toxicity past 1, a decision off the list)", () => {
    for (const [variant, field, value] of [
      ['out_of_range', 'toxicity', 1.5],
      ['wrong_enum', 'decision', 'mixed'],
    ] as const) {
      const { clean, byId, evidence } = driftJob('tool-call', { rate: 1, variants: [variant] }, 20);
      expect(evidence.length).toBeGreaterThan(15);
      for (const { id } of evidence) {
        const { answer, line } = byId.get(id)!;
        expect((line as { result: { message: { stop_reason: string } } }).result.message.stop_reason).toBe(
          'tool_use',
        );
        expect(answer).toEqual({ ...clean.get(id)!.answer, [field]: value });
      }
    }
  });

  it('the review example, prepared, drifts as a bare fault does: score to 1.5, label to mixed, evidence left out', () => {
    for (const variant of ['out_of_range', 'wrong_enum', 'missing_field'] as const) {
      const prepared = schemaDrift(schemaDriftParams.parse({ rate: 1, variants: [variant] }));
      const sim = faultWorld(SEED, [prepared]);
      sim.world.prepare(exampleSetup(SEED, 1));
      const { id } = sim.create(reviewRequests(30));
      sim.endAll();
      for (const line of sim.lines(id)) EXPECT[variant](line, line.custom_id);
    }
  });

  it('pushes an integer with only a minimum below it, and a number with only a minimum half below', () => {
    const schema = {
      type: 'object',
      properties: { count: { type: 'integer', minimum: 0 }, ratio: { type: 'number', minimum: 0.2 } },
      required: ['count', 'ratio'],
    };
    const values = ['count', 'ratio'].map((field) => {
      const setup = exampleJobSetup('support-tickets', 3);
      setup.targets = { ...setup.targets, schema };
      const sim = faultWorld(
        SEED,
        [schemaDrift(schemaDriftParams.parse({ rate: 1, variants: ['out_of_range'], number_field: field }))],
        {
          task: { schema },
        },
      );
      sim.world.prepare(setup);
      const { id } = sim.create(setupRequests(setup));
      sim.endAll();
      return new Set(sim.lines(id).map((l) => JSON.parse(textOf(l)!)[field]));
    });
    expect(values).toEqual([new Set([-1]), new Set([-0.3])]);
  });

  it('never drifts an answer the model already broke: each drift is the one defect the gate must name', () => {
    // At rate 1 every answer is drawn; only the ones the model broke itself (its own mistakes,
    // a few in a hundred) are left as they were, with no evidence.
    const { clean, evidence } = driftJob('support-tickets', { rate: 1, variants: ['out_of_range'] }, 300);
    const drifted = new Set(idsOf(evidence));
    const schema = exampleJobSetup('support-tickets', 1).targets.schema;
    const broken = [...clean].filter(([, c]) => c.answer === undefined || !fitsSchema(schema, c.answer));
    expect(broken.length).toBeGreaterThan(0);
    for (const [id] of broken) expect(drifted.has(id), id).toBe(false);
    expect(drifted.size).toBe(clean.size - broken.length);
  });

  it('is not applicable when the schema has no field for any drift asked for, and names each', () => {
    const setup = exampleJobSetup('support-tickets', 3);
    setup.targets = {
      ...setup.targets,
      schema: { type: 'object', properties: { note: { type: 'string' } } },
    };
    const fault = schemaDrift(
      schemaDriftParams.parse({ rate: 1, variants: ['wrong_enum', 'out_of_range', 'missing_field'] }),
    );
    const attempt = () => faultWorld(SEED, [fault]).world.prepare(setup);
    expect(attempt).toThrow(NotApplicable);
    expect(attempt).toThrow(
      'schema_drift: not applicable: the output schema has no top-level enum field (wrong_enum), ' +
        'no top-level number with a minimum or maximum (out_of_range), no required field (missing_field)',
    );
    // malformed, fenced and cut need no field: with one of them the drill goes on.
    const withCut = schemaDrift(schemaDriftParams.parse({ rate: 1, variants: ['wrong_enum', 'cut'] }));
    expect(() => faultWorld(SEED, [withCut]).world.prepare(setup)).not.toThrow();
  });
});
