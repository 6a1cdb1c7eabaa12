import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exampleJobSetup,
  exampleSetup,
  exampleTask,
  faultWorld,
  idsOf,
  readCsv,
  setupRequests,
  textOf,
} from '../../../test/support/fault-worlds.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { SourceFile } from '../datasets/source-file.js';
import { EDIT_SUFFIX, staleMapping, staleMappingParams } from './stale-mapping.js';
import type { DrillRow, DrillTargets, SourceHandle } from './world-fault.js';

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

describe("stale_mapping on another team's job", () => {
  const dir = mkdtempSync(join(tmpdir(), 'stale-mapping-job-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("edits the tickets' body, the longest text column, and records each by ticket_id", () => {
    const { rows, targets } = exampleJobSetup('support-tickets', 80);
    const original = rows.map((r) => ({ ...r.row }));
    const source = new SourceFile(join(dir, 'tickets.csv'), rows, targets);
    source.write();
    const sim = faultWorld(SEED, [build({ edit_rate: 0.3 })], { source });
    sim.create(reviewRequests(3));
    const edited = new Set(idsOf(sim.evidence('edited')));
    expect(edited.size).toBeGreaterThan(80 * 0.15);
    expect(edited.size).toBeLessThan(80 * 0.45);
    const now = readCsv(source.path);
    expect(now.map((r) => r.ticket_id)).toEqual(original.map((r) => r.ticket_id));
    for (const [k, row] of now.entries()) {
      const was = original[k]!;
      const body = edited.has(String(was.ticket_id)) ? `${was.body}${EDIT_SUFFIX}` : was.body;
      expect(row).toEqual({ ...was, body });
    }
  });

  it('edits a value that is no text into its JSON text and the suffix', () => {
    let rows: DrillRow[] = [1, 2, 3].map((i) => ({
      row: { id: `j-${i}`, terms: { days: i } },
      injected: false,
    }));
    const targets: DrillTargets = {
      key: 'id',
      textColumns: ['terms'],
      columns: ['id', 'terms'],
      schema: {},
      quoteFields: [],
    };
    const source: SourceHandle = {
      targets,
      rewrite: (change) => {
        rows = change(rows);
      },
    };
    const sim = faultWorld(SEED, [build({ edit_rate: 1 })], { source });
    sim.create(reviewRequests(1));
    expect(rows.map((r) => r.row.terms)).toEqual([1, 2, 3].map((i) => `{"days":${i}}${EDIT_SUFFIX}`));
    expect(idsOf(sim.evidence('edited'))).toEqual(['j-1', 'j-2', 'j-3']);
  });

  /** Each request's answers (a text's JSON, or a tool call's input), in the order written, by custom_id. */
  function answersOf(setup: ReturnType<typeof exampleJobSetup>, task = exampleTask(setup)) {
    const sim = faultWorld(SEED, [build({ conflicting_rate: 1 })], { task });
    sim.world.prepare(setup);
    const { id } = sim.create(setupRequests(setup));
    sim.endAll();
    const answers = new Map<string, Record<string, unknown>[]>();
    for (const line of sim.world.resultLinesOf(id)) {
      const { custom_id, result } = JSON.parse(line);
      const [block] = result.message.content;
      const answer = block.type === 'tool_use' ? block.input : jsonOrText(block.text);
      answers.set(custom_id, [...(answers.get(custom_id) ?? []), answer]);
    }
    return answers;
  }

  it.each([
    ['support-tickets', 'queue', ['billing', 'technical', 'account', 'shipping', 'other']],
    ['tool-call', 'decision', ['publish', 'needs_edit', 'reject']],
  ] as const)(
    '%s: a conflicting line answers another allowed %s, text or tool call alike',
    (name, field, allowed) => {
      const answers = answersOf(exampleJobSetup(name, 40));
      expect(answers.size).toBe(40);
      // The model breaks a few answers itself (a field left out): those are not the fault's to judge.
      const whole = [...answers.values()].filter(([first]) => allowed.includes(first![field] as never));
      expect(whole.length).toBeGreaterThan(35);
      for (const [first, second] of whole) {
        expect(allowed).toContain(second![field]);
        expect(second![field]).not.toBe(first![field]);
        expect({ ...second, [field]: null }).toEqual({ ...first, [field]: null });
      }
    },
  );

  it('a conflicting line of an answer with no enum revises its first string', () => {
    const setup = exampleJobSetup('support-tickets', 10);
    const schema = { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] };
    setup.targets = { ...setup.targets, schema };
    const answers = answersOf(setup, { schema });
    expect(answers.size).toBe(10);
    const whole = [...answers.values()].filter(([first]) => typeof first!.summary === 'string');
    expect(whole.length).toBeGreaterThan(7);
    for (const [first, second] of whole) expect(second).toEqual({ summary: `${first!.summary} (revised)` });
  });
});

/** A text's JSON object, or the text itself under `text` when it is no JSON. */
function jsonOrText(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    return { text };
  }
}
