import { describe, expect, it } from 'vitest';
import {
  type ExampleJobName,
  exampleJobSetup,
  exampleSetup,
  exampleTask,
  faultWorld,
  setupRequests,
} from '../../../test/support/fault-worlds.js';
import { FAULT_FAMILIES, type FaultFamilyName } from './fault-catalog.js';

/** Parameters that make each family act on a small world's data path. */
const SAMPLE: Record<FaultFamilyName, Record<string, unknown>> = {
  silent_partial_drop: { missing_rate: 0.1, errored_rate: 0.1, expired_rate: 0.05 },
  poisoned_template: { variant: 'wrong_column' },
  cost_runaway: { variant: 'oversized_row', chars: 3_000 },
  schema_drift: { rate: 0.3 },
  stale_mapping: { duplicate_rate: 0.1, conflicting_rate: 0.1, unknown_rate: 0.05 },
  expiry: { variant: 'slow_queue', batches: [1], tail_share: 0.2 },
  prompt_injection: { injection_rate: 0.3 },
};

const NAMES = Object.keys(FAULT_FAMILIES) as FaultFamilyName[];

const buildAll = () =>
  NAMES.map((name) => FAULT_FAMILIES[name].build(FAULT_FAMILIES[name].params.parse(SAMPLE[name])));

/** Every family in one world: prepare, two batches (half the rows each), run past expiry. */
function runAll(seed: number) {
  const sim = faultWorld(seed, buildAll());
  const setup = exampleSetup(5, 80);
  sim.world.prepare(setup);
  const requests = setupRequests(setup, null);
  const batches = [requests.slice(0, 40), requests.slice(40)].map((part) => sim.create(part).id);
  sim.endAll();
  const files = batches.map((id) => [...sim.world.resultLinesOf(id)].join('\n'));
  return { evidence: sim.world.groundTruth().evidence, files, billing: sim.world.groundTruth().billing };
}

describe('FAULT_FAMILIES', () => {
  it('names the seven failure modes by their identifiers', () => {
    expect([...NAMES].sort()).toEqual([
      'cost_runaway',
      'expiry',
      'poisoned_template',
      'prompt_injection',
      'schema_drift',
      'silent_partial_drop',
      'stale_mapping',
    ]);
  });

  it.each(NAMES)('%s builds a fault filed under its own identifier', (name) => {
    const fault = FAULT_FAMILIES[name].build(FAULT_FAMILIES[name].params.parse(SAMPLE[name]));
    expect(fault.name).toBe(name);
  });

  it.each(NAMES)('%s refuses parameters it does not document', (name) => {
    const result = FAULT_FAMILIES[name].params.safeParse({ ...SAMPLE[name], typo_rate: 0.5 });
    expect(result.success).toBe(false);
  });

  it('every family leaves evidence in a world that carries them all', () => {
    const { evidence } = runAll(42);
    expect(new Set(evidence.map((e) => e.fault))).toEqual(new Set(NAMES));
  });
});

describe("every family on another team's job", () => {
  it.each(['support-tickets', 'contract-extraction', 'tool-call'] as ExampleJobName[])(
    '%s: every family prepares on its own columns and fields and leaves evidence',
    (name) => {
      const setup = exampleJobSetup(name, 80);
      const sim = faultWorld(42, buildAll(), { task: exampleTask(setup) });
      sim.world.prepare(setup);
      const requests = setupRequests(setup);
      for (const part of [requests.slice(0, 40), requests.slice(40)]) sim.create(part);
      sim.endAll();
      const evidence = sim.world.groundTruth().evidence;
      expect(new Set(evidence.map((e) => e.fault))).toEqual(new Set(NAMES));
      const keys = new Set(setup.rows.map((r) => String(r.row[setup.targets.key])));
      for (const e of evidence.filter((e) => e.kind === 'injected' || e.kind === 'oversized_row'))
        expect(keys.has(e.id)).toBe(true);
    },
  );
});

describe('fault determinism', () => {
  it('the same seed and the same calls give the same evidence, results files and bills', () => {
    const a = runAll(42);
    const b = runAll(42);
    expect(b.evidence).toEqual(a.evidence);
    expect(b.files).toEqual(a.files);
    expect(b.billing).toEqual(a.billing);
    expect(a.evidence.length).toBeGreaterThan(30);
  });

  it('a different seed gives different evidence', () => {
    const a = runAll(42).evidence.map((e) => `${e.fault} ${e.kind} ${e.id}`);
    const b = runAll(43).evidence.map((e) => `${e.fault} ${e.kind} ${e.id}`);
    expect(b).not.toEqual(a);
  });
});
