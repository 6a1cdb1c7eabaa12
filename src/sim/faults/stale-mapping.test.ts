import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleSetup, faultWorld, idsOf, readCsv, textOf } from '../../../test/support/fault-worlds.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { SourceFile } from '../datasets/source-file.js';
import { EDIT_SUFFIX, staleMapping, staleMappingParams } from './stale-mapping.js';

const SEED = 31;
const ROWS = 120;
const build = (params: Record<string, unknown>) => staleMapping(staleMappingParams.parse(params));

/** One ended batch of ROWS requests in a world with `params` (none: no fault): its raw lines by id. */
function run(params: Record<string, unknown> | null) {
  const sim = faultWorld(SEED, params ? [build(params)] : []);
  const { id } = sim.create(reviewRequests(ROWS));
  sim.endAll();
  const raw = [...sim.world.resultLinesOf(id)];
  const byId = new Map<string, string[]>();
  for (const line of raw) {
    const customId = (JSON.parse(line) as { custom_id: string }).custom_id;
    byId.set(customId, [...(byId.get(customId) ?? []), line]);
  }
  return { sim, id, raw, byId };
}

describe('stale_mapping: results lines', () => {
  it('writes duplicated lines twice, identically, and every other line once', () => {
    const { sim, id, raw, byId } = run({ duplicate_rate: 0.2 });
    const duplicated = new Set(idsOf(sim.evidence('duplicated')));
    expect(duplicated.size).toBeGreaterThan(ROWS * 0.1);
    expect(duplicated.size).toBeLessThan(ROWS * 0.3);
    expect(sim.evidence().every((e) => e.batchId === id)).toBe(true);
    expect(raw).toHaveLength(ROWS + duplicated.size);
    for (const [customId, lines] of byId) {
      if (!duplicated.has(customId)) expect(lines).toHaveLength(1);
      else expect(lines).toEqual([lines[0], lines[0]]);
    }
  });

  it('writes conflicting lines twice: the true answer first, then a different one', () => {
    const { sim, byId } = run({ conflicting_rate: 0.25 });
    const truth = run(null).byId;
    const conflicting = new Set(idsOf(sim.evidence('conflicting')));
    expect(conflicting.size).toBeGreaterThan(ROWS * 0.15);
    for (const [customId, lines] of byId) {
      if (!conflicting.has(customId)) {
        expect(lines).toHaveLength(1);
        continue;
      }
      expect(lines).toHaveLength(2);
      const [first, second] = lines.map((l) => JSON.parse(l));
      expect(first).toEqual(JSON.parse(truth.get(customId)![0]!));
      expect(textOf(second)).not.toBe(textOf(first));
      expect({ ...second.result.message, content: null }).toEqual({ ...first.result.message, content: null });
    }
  });

  it('appends lines for ids the batch never had, at least one per batch', () => {
    const { sim, id, raw } = run({ unknown_rate: 0.05 });
    const unknown = sim.evidence('unknown_id');
    expect(unknown).toHaveLength(6);
    const batchIds = new Set(reviewRequests(ROWS).map((r) => r.custom_id));
    const tail = raw.slice(ROWS).map((l) => JSON.parse(l).custom_id as string);
    expect(tail.sort()).toEqual(idsOf(unknown));
    expect(tail.filter((customId) => batchIds.has(customId))).toEqual([]);
    expect(raw.slice(0, ROWS).every((l) => batchIds.has(JSON.parse(l).custom_id))).toBe(true);
    expect(sim.world.retrieve(id).request_counts.succeeded).toBe(ROWS);

    expect(run({ unknown_rate: 0.0001 }).sim.evidence('unknown_id')).toHaveLength(1);
  });

  it('refuses parameters that would change nothing', () => {
    expect(staleMappingParams.safeParse({}).success).toBe(false);
    expect(staleMappingParams.safeParse({ reorder_source: true }).success).toBe(true);
  });
});

describe('stale_mapping: the source file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stale-mapping-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function sourceWorld(name: string, params: Record<string, unknown>) {
    const { rows, targets } = exampleSetup(SEED, 60);
    const original = rows.map((r) => ({ ...r.row }));
    const source = new SourceFile(join(dir, `${name}.csv`), rows, targets);
    source.write();
    const sim = faultWorld(SEED, [build(params)], { source });
    return { sim, source, original, path: source.path };
  }

  it("edits rows of the CSV right after the chosen batch's create, and only then", () => {
    const { sim, original, path } = sourceWorld('edit', { edit_rate: 0.3, edit_after_batch: 1 });
    const before = readFileSync(path, 'utf8');
    sim.create(reviewRequests(3));
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(sim.evidence()).toEqual([]);

    const chosen = sim.create(reviewRequests(3));
    const edited = new Set(idsOf(sim.evidence('edited')));
    expect(edited.size).toBeGreaterThan(60 * 0.15);
    expect(edited.size).toBeLessThan(60 * 0.45);
    expect(sim.evidence().every((e) => e.batchId === chosen.id)).toBe(true);
    const now = readCsv(path);
    expect(now.map((r) => r.id)).toEqual(original.map((r) => r.id));
    for (const [k, row] of now.entries()) {
      const was = original[k]!;
      expect(row).toEqual({ ...was, text: edited.has(was.id) ? was.text + EDIT_SUFFIX : was.text });
    }

    const after = readFileSync(path, 'utf8');
    sim.create(reviewRequests(3));
    expect(readFileSync(path, 'utf8')).toBe(after);
  });

  it('reverses the order of the rows with reorder_source, and edits none', () => {
    const { sim, source, original, path } = sourceWorld('reorder', { reorder_source: true });
    const { id } = sim.create(reviewRequests(3));
    expect(readCsv(path)).toEqual([...original].reverse());
    expect(sim.evidence()).toEqual([
      { fault: 'stale_mapping', kind: 'reordered', id: 'source', batchId: id },
    ]);
    expect([...source.current().keys()]).toEqual(original.map((r) => r.id).reverse());
  });

  it('does nothing to the source when the world was given none', () => {
    const sim = faultWorld(SEED, [build({ edit_rate: 1, reorder_source: true })]);
    expect(() => sim.create(reviewRequests(3))).not.toThrow();
    expect(sim.evidence()).toEqual([]);
  });
});
