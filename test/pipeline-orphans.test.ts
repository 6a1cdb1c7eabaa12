import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClient } from '../src/pipeline/client.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { findOrphan, ORPHAN_SKEW_MS } from '../src/pipeline/run/create-batch.js';
import type { RunContext } from '../src/pipeline/run/run-context.js';
import { type LogEntry, RunLog } from '../src/pipeline/run/run-log.js';
import type { Submission } from '../src/pipeline/run/submissions.js';
import { inProcessWorld } from '../src/sim/sim-world.js';
import { reviewRequests } from './support/requests.js';

/*
 * Which batch a create whose outcome was lost adopts: one made since its intent (less the clock
 * skew allowed), with exactly its number of requests however far they got, that no submission
 * has claimed; of several, the earliest (the first create that went through). Adopting any other
 * would map this submission's rows to another batch's answers.
 */

describe('findOrphan', () => {
  it('adopts the earliest unclaimed batch of the same size made since the intent, and no other', async () => {
    const sim = inProcessWorld({ seed: 1, processing: { throughputPerMinute: 1 } });
    const create = (requests: number) => {
      const body = JSON.stringify({ requests: reviewRequests(requests) });
      return sim.world.create(body, Buffer.byteLength(body)).id;
    };
    const intentMs = sim.clock.now() + 3600_000;

    sim.clock.advance(3600_000 - ORPHAN_SKEW_MS - 1);
    const tooOld = create(3); // 1 ms before the skew allowance
    sim.clock.advance(1);
    const atTheEdge = create(3); // made exactly the allowance before the intent: it may be ours
    sim.clock.advance(ORPHAN_SKEW_MS + 60_000);
    const claimed = create(3);
    create(4); // another size
    const later = create(3);
    sim.clock.advance(24 * 3600_000); // every batch has ended by now
    const canceled = create(3); // canceled while processing: counted over all its requests
    sim.world.cancel(canceled);
    sim.clock.advance(3600_000);
    expect(sim.world.retrieve(canceled).request_counts).toMatchObject({ processing: 0, canceled: 3 });
    for (const id of [tooOld, atTheEdge, later])
      expect(sim.world.retrieve(id).request_counts).toMatchObject({ processing: 0, succeeded: 3 });

    const db = await RunDb.open(join(mkdtempSync(join(tmpdir(), 'batchguard-orphan-')), 'run.duckdb'));
    await db.exec(
      `INSERT INTO submissions (run_id, submission_id, phase, round, model, request_count, intent_at, intent_ms, batch_id, status)
       VALUES ('run-0', 's0001', 'main', 1, 'claude-haiku-4-5', 3, '', 0, ?, 'gated')`,
      [claimed],
    );
    const entries: LogEntry[] = [];
    const log = await RunLog.open(db, 'run-1', sim.clock, (e) => entries.push(e));
    const client = makeClient({ apiKey: 'sim-key', baseURL: sim.baseURL, fetch: sim.fetch });
    const ctx = { db, runId: 'run-1', log, client, env: { clock: sim.clock } } as unknown as RunContext;
    const submission = { submissionId: 's0002', requestCount: 3, intentMs } as Submission;
    try {
      expect(await findOrphan(ctx, submission)).toBe(atTheEdge);
      // atTheEdge, later and the canceled one: not tooOld, the claimed one or the other size.
      expect(entries.map((e) => [e.step, e.phase, e.kind, e.detail])).toEqual([
        ['submit', 'event', 'orphan_adopted', { submission_id: 's0002', batch_id: atTheEdge, candidates: 3 }],
      ]);

      const none = { ...submission, requestCount: 5 };
      expect(await findOrphan(ctx, none)).toBeNull();
      expect(entries.at(-1)!.kind).toBe('no_orphan_found');
      expect(entries.at(-1)!.detail).toEqual({ submission_id: 's0002', batch_id: null, candidates: 0 });
    } finally {
      db.close();
      sim.world.dispose();
    }
  });
});
