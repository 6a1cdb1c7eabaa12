import { describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../../pipeline/run/run-context.js';
import { FAULT_FAMILIES, type FaultFamilyName } from '../../sim/faults/fault-catalog.js';
import { soakCase } from './soak-case.js';

const SEEDS = Array.from({ length: 2_000 }, (_, i) => 5_000 + i);
const cases = SEEDS.map(soakCase);
const STEADY = ['silent_partial_drop', 'schema_drift', 'stale_mapping', 'prompt_injection'];

describe('a soak case', () => {
  it('is a pure function of its run seed', () => {
    expect(SEEDS.slice(0, 50).map(soakCase)).toEqual(cases.slice(0, 50));
    expect(soakCase(5_001)).not.toEqual(soakCase(5_002));
  });

  it('draws parameters every fault family accepts, and a small run', () => {
    for (const c of cases) {
      expect(c.rows).toBeGreaterThanOrEqual(20);
      expect(c.rows).toBeLessThanOrEqual(60);
      expect(c.faults.length).toBeLessThanOrEqual(3);
      expect(new Set(c.faults.map((f) => f.name)).size).toBe(c.faults.length);
      for (const f of c.faults)
        expect(FAULT_FAMILIES[f.name].params.safeParse(f.params).error).toBeUndefined();
    }
  });

  it('reaches every fault family, every crash point, the HTTP background, and no fault at all', () => {
    const families = new Set(cases.flatMap((c) => c.faults.map((f) => f.name)));
    expect([...families].sort()).toEqual((Object.keys(FAULT_FAMILIES) as FaultFamilyName[]).sort());
    expect(new Set(cases.map((c) => c.crash?.point).filter(Boolean))).toEqual(new Set(CRASH_POINTS));
    expect(cases.some((c) => c.httpRate > 0)).toBe(true);
    expect(cases.some((c) => c.faults.length === 0)).toBe(true);
    expect(cases.some((c) => c.twice)).toBe(true);
  });

  it('gives a steady crash run only faults a resume cannot move, so it must end as the run without it', () => {
    const steady = cases.filter((c) => c.crash?.steady);
    expect(steady.length).toBeGreaterThan(100);
    for (const c of steady) {
      expect(c.httpRate).toBe(0);
      for (const f of c.faults) expect(STEADY).toContain(f.name);
      const drop = c.faults.find((f) => f.name === 'silent_partial_drop');
      if (drop) expect(drop.params).toMatchObject({ cut_rate: 0, expired_rate: 0 });
    }
  });
});
