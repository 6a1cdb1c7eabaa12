import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClient } from '../src/pipeline/client.js';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { findOrphan, listMark } from '../src/pipeline/run/create-batch.js';
import type { RunContext } from '../src/pipeline/run/run-context.js';
import { type LogEntry, RunLog } from '../src/pipeline/run/run-log.js';
import type { Submission } from '../src/pipeline/run/submissions.js';
import { inProcessWorld } from '../src/sim/sim-world.js';
import { reviewRequests } from './support/requests.js';

/*
 * Which batch a create whose outcome was lost adopts: one listed above the submission's list
 * mark (made after its intent, by the API's own order, whatever either clock says), with exactly
 * its number of requests, that no submission has claimed, and whose results carry this
 * submission's own custom_ids; of several, the earliest. Adopting any other would map this
 * submission's rows to another run's answers, or leave its own batch billed and unused.
 */

const OURS = ['r_a_1_0a0a0a', 'r_b_1_0a0a0a', 'r_c_1_0a0a0a'];
const THEIRS = ['r_a_1_0b0b0b', 'r_b_1_0b0b0b', 'r_c_1_0b0b0b'];

async function orphanCase(clientSkewMs: number) {
  const sim = inProcessWorld({ seed: 1, processing: { throughputPerMinute: 1 } });
  const create = (ids: readonly string[]) => {
    const requests = reviewRequests(ids.length).map((r, i) => ({ ...r, custom_id: ids[i]! }));
    const body = JSON.stringify({ requests });
    return sim.world.create(body, Buffer.byteLength(body)).id;
  };
  const db = await RunDb.open(join(mkdtempSync(join(tmpdir(), 'batchguard-orphan-')), 'run.duckdb'));
  for (const id of OURS)
    await db.exec("INSERT INTO requests VALUES ('run-1', 's0002', ?, 'k', 'h', 1, 'claude-haiku-4-5')", [id]);
  const entries: LogEntry[] = [];
  const log = await RunLog.open(db, 'run-1', sim.clock, (e) => entries.push(e));
  const client = makeClient({ apiKey: 'sim-key', baseURL: sim.baseURL, fetch: sim.fetch });
  const job = { pollIntervalSeconds: 60, outageWaitMinutes: 60 };
  const ctx = { db, runId: 'run-1', log, client, job, env: { clock: sim.clock } } as unknown as RunContext;
  // The intent's time on the client's clock, hours away from the API's: it must not matter.
  const submission = {
    submissionId: 's0002',
    requestCount: 3,
    intentMs: sim.clock.now() + clientSkewMs,
  } as Submission;
  return { sim, db, ctx, entries, create, submission };
}

/** The submission as submit records it: with the mark read before its intent. */
const marked = (submission: Submission, mark: { id: string; createdAtMs: number } | null): Submission => ({
  ...submission,
  listMark: mark?.id ?? null,
  listMarkMs: mark?.createdAtMs ?? 0,
});

describe('findOrphan', () => {
  for (const skewHours of [-6, 9]) {
    it(`adopts this submission's own batch above the list mark with the client's clock ${skewHours} h off the API's, and no other`, async () => {
      const { sim, db, ctx, entries, create, submission } = await orphanCase(skewHours * 3600_000);
      try {
        const before = create(OURS); // the same ids, made before the intent: below the mark
        const mark = await listMark(ctx);
        expect(mark?.id).toBe(before);
        sim.clock.advance(60_000);
        const claimed = create(OURS);
        await db.exec(
          `INSERT INTO submissions (run_id, submission_id, phase, round, model, request_count, intent_at, intent_ms, batch_id, status)
           VALUES ('run-0', 's0001', 'main', 1, 'claude-haiku-4-5', 3, '2026-01-01T00:00:00Z', 0, ?, 'gated')`,
          [claimed],
        );
        const theirs = create(THEIRS); // another run of the same job, same size, made first
        create(['r_x_1_0a0a0a', 'r_y_1_0a0a0a']); // another size
        const ours = create(OURS);
        const later = create(OURS); // a second create that went through: the first one wins

        const adopted = await findOrphan(ctx, marked(submission, mark));

        // Both `ours` and `later` carry this submission's ids (the create went through twice): the
        // first to prove itself is adopted. Never the other run's, the claimed one or one from before.
        expect([ours, later]).toContain(adopted);
        const checked = entries.filter((e) => e.kind === 'orphan_checked').map((e) => e.detail);
        expect(checked.filter((d) => d.batch_id === theirs).every((d) => d.verdict === 'foreign')).toBe(true);
        expect(checked.at(-1)).toEqual({ submission_id: 's0002', batch_id: adopted, verdict: 'own' });
        expect(entries.at(-1)).toMatchObject({
          kind: 'orphan_adopted',
          detail: { submission_id: 's0002', batch_id: adopted, candidates: 3 },
        });
        expect([before, claimed, theirs]).not.toContain(adopted);
      } finally {
        db.close();
        sim.world.dispose();
      }
    });
  }

  it('adopts nothing when the only batches above the mark belong to another run, however alike (then the create is made)', async () => {
    const { sim, db, ctx, entries, create, submission } = await orphanCase(0);
    try {
      const mark = await listMark(ctx);
      expect(mark).toBeNull(); // an empty workspace: every batch listed is a candidate
      const theirs = create(THEIRS);
      expect(await findOrphan(ctx, marked(submission, mark))).toBeNull();
      expect(entries.map((e) => [e.kind, e.detail])).toEqual([
        ['orphan_checked', { submission_id: 's0002', batch_id: theirs, verdict: 'foreign' }],
        ['no_orphan_found', { submission_id: 's0002', batch_id: null, candidates: 1 }],
      ]);
    } finally {
      db.close();
      sim.world.dispose();
    }
  });

  it('waits for a candidate still processing to end before it judges it', async () => {
    const { sim, db, ctx, entries, create, submission } = await orphanCase(0);
    try {
      const ours = create(OURS);
      expect(sim.world.retrieve(ours).processing_status).toBe('in_progress');
      const startMs = sim.clock.now();
      expect(await findOrphan(ctx, marked(submission, null))).toBe(ours);
      expect(sim.world.retrieve(ours).processing_status).toBe('ended');
      expect(sim.clock.now()).toBeGreaterThan(startMs);
      expect(entries.at(-1)!.kind).toBe('orphan_adopted');
    } finally {
      db.close();
      sim.world.dispose();
    }
  });

  it('still knows which batches came before the intent when the mark itself has been deleted: by its time on the API clock', async () => {
    const { sim, db, ctx, entries, create, submission } = await orphanCase(0);
    try {
      const older = create(OURS); // made before the intent, with this submission's very ids
      sim.clock.advance(60_000);
      const markId = create(['r_m_1_0c0c0c']);
      const mark = await listMark(ctx);
      expect(mark?.id).toBe(markId);
      sim.clock.advance(3600_000);
      sim.world.delete(markId); // ended by now, and deleted by someone
      const ours = create(OURS);

      expect(await findOrphan(ctx, marked(submission, mark))).toBe(ours);
      expect(entries.filter((e) => e.kind === 'orphan_checked').map((e) => e.detail.batch_id)).toEqual([
        ours,
      ]);
      expect(older).not.toBe(ours);
    } finally {
      db.close();
      sim.world.dispose();
    }
  });

  it('stops with exit 1 when the API goes away while it judges a candidate, adopting nothing by guess', async () => {
    const { sim, db, ctx, entries, create, submission } = await orphanCase(0);
    try {
      const mark = await listMark(ctx);
      create(OURS);
      // From now on every read of a batch fails as a dropped connection would.
      ctx.client = makeClient({
        apiKey: 'sim-key',
        baseURL: sim.baseURL,
        fetch: async (input, init) => {
          const request = new Request(input, init);
          if (/\/v1\/messages\/batches\/msgbatch_/.test(new URL(request.url).pathname))
            throw new TypeError('fetch failed');
          return sim.fetch(request);
        },
      });
      (ctx.job as { outageWaitMinutes: number }).outageWaitMinutes = 2;

      await expect(findOrphan(ctx, marked(submission, mark))).rejects.toMatchObject({
        code: 'api_unreachable',
        exitCode: 1,
      });
      expect(entries.map((e) => e.kind)).not.toContain('orphan_adopted');
    } finally {
      db.close();
      sim.world.dispose();
    }
  });
});
