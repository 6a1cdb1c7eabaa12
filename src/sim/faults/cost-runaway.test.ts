import { APIConnectionError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { exampleJobSetup, exampleSetup, faultWorld } from '../../../test/support/fault-worlds.js';
import { ADAPTERS, DAY_MS, type Harness } from '../../../test/support/harnesses.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { costRunaway, costRunawayParams } from './cost-runaway.js';
import { type DrillSetup, NotApplicable } from './world-fault.js';

const build = (params: Record<string, unknown>) => costRunaway(costRunawayParams.parse(params));

describe('cost_runaway: source-side variants', () => {
  it('oversized_row grows exactly one row to `chars` characters, from its own text, and records its key', () => {
    const setup = exampleSetup(3, 50);
    const before = setup.rows.map((r) => r.row.text);
    const sim = faultWorld(3, [build({ variant: 'oversized_row', chars: 50_000 })]);
    sim.world.prepare(setup);

    const grown = setup.rows.filter((r, i) => r.row.text !== before[i]);
    expect(grown).toHaveLength(1);
    const victim = grown[0]!;
    expect(victim.row.text).toHaveLength(50_000);
    expect(victim.row.text.startsWith(before[setup.rows.indexOf(victim)]!)).toBe(true);
    expect(sim.evidence()).toEqual([
      { fault: 'cost_runaway', kind: 'oversized_row', id: victim.row.id, batchId: null },
    ]);
    expect(setup.job.max_tokens).toBe(200);
  });

  it('oversized_row picks its victim from the seed', () => {
    const victim = (seed: number) => {
      const setup = exampleSetup(3, 50);
      faultWorld(seed, [build({ variant: 'oversized_row', chars: 1_000 })]).world.prepare(setup);
      return setup.rows.find((r) => r.row.text.length === 1_000)!.row.id;
    };
    expect(victim(1)).toBe(victim(1));
    expect(new Set([1, 2, 3, 4, 5].map(victim)).size).toBeGreaterThan(1);
  });

  it('defaults to a 2,000,000-character row and a 64,000 max_tokens', () => {
    expect(costRunawayParams.parse({ variant: 'oversized_row' })).toMatchObject({
      chars: 2_000_000,
      rows: 1,
      max_tokens: 64_000,
      rate: 1,
      creates: 1,
    });
  });

  it('oversized_row grows `rows` distinct rows of a support-ticket job, in their body, each recorded by ticket_id', () => {
    const setup = exampleJobSetup('support-tickets', 40);
    const before = setup.rows.map((r) => ({ ...r.row }));
    const sim = faultWorld(3, [build({ variant: 'oversized_row', chars: 5_000, rows: 4 })]);
    sim.world.prepare(setup);
    const grown = setup.rows.filter((r, i) => r.row.body !== before[i]!.body);
    expect(grown).toHaveLength(4);
    for (const victim of grown) {
      const was = before[setup.rows.indexOf(victim)]!;
      expect(victim.row.body).toHaveLength(5_000);
      expect(String(victim.row.body).startsWith(String(was.body))).toBe(true);
      expect({ ...victim.row, body: was.body }).toEqual(was);
    }
    expect(
      sim
        .evidence()
        .map((e) => e.id)
        .sort(),
    ).toEqual(grown.map((r) => String(r.row.ticket_id)).sort());
    expect(new Set(sim.evidence().map((e) => e.kind))).toEqual(new Set(['oversized_row']));
  });

  it('oversized_row grows every row when asked for more rows than the source has', () => {
    const setup = exampleJobSetup('contract-extraction', 5);
    const sim = faultWorld(3, [build({ variant: 'oversized_row', chars: 3_000, rows: 9 })]);
    sim.world.prepare(setup);
    expect(setup.rows.map((r) => String(r.row.clauses).length)).toEqual([3_000, 3_000, 3_000, 3_000, 3_000]);
    expect(sim.evidence()).toHaveLength(5);
  });

  it('oversized_row is not applicable when no column the template reads holds text, and says why', () => {
    const setup: DrillSetup = {
      job: { template: 'Score: {{score}}' },
      rows: [{ row: { id: 'a', score: 3 }, injected: false }],
      targets: { key: 'id', textColumns: ['score'], columns: ['id', 'score'], schema: {}, quoteFields: [] },
    };
    const attempt = () => faultWorld(3, [build({ variant: 'oversized_row' })]).world.prepare(setup);
    expect(attempt).toThrow(NotApplicable);
    expect(attempt).toThrow('cost_runaway: not applicable: the template reads only score');
  });

  it('refuses a row count below 1', () => {
    expect(costRunawayParams.safeParse({ variant: 'oversized_row', rows: 0 }).success).toBe(false);
  });

  it("unbounded_max_tokens raises the job's max_tokens and leaves the rows alone", () => {
    const setup = exampleSetup(3, 20);
    const texts = setup.rows.map((r) => r.row.text);
    const sim = faultWorld(3, [build({ variant: 'unbounded_max_tokens', max_tokens: 32_000 })]);
    sim.world.prepare(setup);
    expect(setup.job.max_tokens).toBe(32_000);
    expect(setup.rows.map((r) => r.row.text)).toEqual(texts);
    expect(sim.evidence()).toEqual([
      { fault: 'cost_runaway', kind: 'max_tokens_raised', id: '32000', batchId: null },
    ]);
  });

  it('crash_after_create declares a crash between the create and recording the batch id, and nothing else', () => {
    const fault = build({ variant: 'crash_after_create' });
    expect(fault.crash).toEqual({ point: 'submit:after-create', downtimeMs: 60_000 });
    expect(fault.httpFaults).toBeUndefined();
    expect(fault.prepare).toBeUndefined();
  });
});

describe.each(ADAPTERS)('cost_runaway lost_create_response ($name)', (adapter) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const start = async (params: Record<string, unknown>) => {
    h = await adapter.start({ seed: 9, faults: [build({ variant: 'lost_create_response', ...params })] });
    return h;
  };

  it('makes the create throw a connection error, yet the world holds the batch and bills it once it ends', async () => {
    const { client, clock, world } = await start({});
    const error = await client.messages.batches
      .create({ requests: reviewRequests(4) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);

    const listed = (await client.messages.batches.list()).data;
    expect(listed).toHaveLength(1);
    const orphan = listed[0]!;
    expect(orphan.request_counts.processing).toBe(4);
    expect(world.groundTruth().httpFaults).toEqual([
      expect.objectContaining({ name: 'lost_create_response', family: 'cost_runaway', route: 'create' }),
    ]);

    clock.advance(DAY_MS);
    expect((await client.messages.batches.retrieve(orphan.id)).request_counts.succeeded).toBe(4);
    expect(world.groundTruth().billing).toEqual([
      expect.objectContaining({ batchId: orphan.id, succeededRows: 4 }),
    ]);
  });

  it('loses at most `creates` create responses; a blind retry after that makes a second, billed batch', async () => {
    const { client, clock, world } = await start({ creates: 2 });
    for (let k = 0; k < 2; k++) {
      await expect(client.messages.batches.create({ requests: reviewRequests(2) })).rejects.toBeInstanceOf(
        APIConnectionError,
      );
    }
    const third = await client.messages.batches.create({ requests: reviewRequests(2) });
    expect((await client.messages.batches.list()).data).toHaveLength(3);
    expect((await client.messages.batches.list()).data[0]!.id).toBe(third.id);
    clock.advance(DAY_MS);
    expect(world.groundTruth().billing).toHaveLength(3);
    expect(world.groundTruth().httpFaults.map((f) => f.attempt)).toEqual([0, 1]);
  });

  it('at rate 0 loses nothing', async () => {
    const { client } = await start({ rate: 0 });
    const batch = await client.messages.batches.create({ requests: reviewRequests(2) });
    expect(batch.processing_status).toBe('in_progress');
  });
});
