import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { batchCostUsd, findModel } from '../core/price-table.js';
import { templateColumns } from '../pipeline/prompt/render-request.js';
import { promptText } from '../sim/model/tokens.js';
import type { DrillFacts } from './drill-facts.js';

/*
 * The steady-state hypothesis of a drill: the invariants that must hold however the fault
 * played out, each a passive check of the run database and the world's ground truth. A check
 * returns why it failed, one line a reason; an empty list means it held.
 */

/** A check named in a scenario's `expect.hypothesis`, with its parameter if it takes one. */
export interface HypothesisCheck {
  name: string;
  param: number | null;
}

interface Hypothesis {
  says: string;
  /** The number the check takes, if it takes one: a share, checked from `min` to `max` at load. */
  param?: { min: number; max: number };
  check(facts: DrillFacts, param: number | null): Promise<string[]>;
}

/** The expected gate reason for each schema drift the world injects. */
const DRIFT_REASONS: Record<string, string> = {
  malformed: 'unparseable',
  fenced: 'unparseable',
  wrong_enum: 'schema',
  out_of_range: 'range',
  missing_field: 'schema',
  cut: 'truncated',
};

/** A share, 0..1: the number every check that takes one takes. */
const SHARE = { min: 0, max: 1 };

/**
 * Evidence kinds whose answers must never reach the sink: every schema break, obeyed injections,
 * conflicting and unknown lines. A `wrong_value` drift is valid (the gate cannot see it): only the
 * golden set's drift check can keep it out, which the golden-drift drill checks by the run's hold.
 */
const POISONED_ANSWERS = /^(drifted:(?!wrong_value$)|obeyed$|conflicting$|unknown_id$)/;

/** Evidence of a drift the schema rejects, which the gate must quarantine with its reason. */
const schemaBreak = (kind: string) => kind.startsWith('drifted:') && kind !== 'drifted:wrong_value';

export const HYPOTHESES: Record<string, Hypothesis> = {
  coverage: {
    says: 'every source row ends with exactly one disposition, and no other key has one',
    async check(facts) {
      const disposed = await facts.db.all<{ row_key: string; n: number }>(
        'SELECT row_key, count(*)::INTEGER AS n FROM row_dispositions WHERE run_id = ? GROUP BY row_key',
        [facts.runId],
      );
      const keys = new Set(facts.sourceKeys);
      const reasons = disposed.filter((d) => d.n !== 1).map((d) => `${d.row_key} has ${d.n} dispositions`);
      const extra = disposed.filter((d) => !keys.has(d.row_key)).length;
      const missing = keys.size - disposed.filter((d) => keys.has(d.row_key)).length;
      if (missing > 0) reasons.push(`${missing} of ${keys.size} source rows have no disposition`);
      if (extra > 0) reasons.push(`${extra} dispositions are for keys not in the source`);
      return reasons;
    },
  },
  nothing_invalid_promoted: {
    says: "the sink holds exactly the run's promoted rows, each valid by the job's schema, none a faulty answer, and the log's promote entry counts them",
    async check(facts) {
      const reasons: string[] = [];
      const promoted = await facts.promoted();
      const dispositions = await facts.db.one<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM row_dispositions WHERE run_id = ? AND disposition = 'promoted'",
        [facts.runId],
      );
      if (dispositions!.n !== promoted.length)
        reasons.push(`${promoted.length} rows in the sink but ${dispositions!.n} promoted dispositions`);
      // What the operator reads: the log's promote outcome names the sink and the rows it wrote.
      const said = facts.entries
        .filter((e) => e.kind === 'promoted')
        .map((e) => `${e.detail.rows} rows into ${e.detail.sink}`);
      const wrote =
        facts.summary.status === 'promoted' ? [`${promoted.length} rows into ${facts.job.sink.table}`] : [];
      if (said.join() !== wrote.join())
        reasons.push(
          `the log says it promoted [${said.join('; ')}] where the run wrote [${wrote.join('; ')}]`,
        );
      const validate = independentValidator(facts.job.schema);
      const poisoned = new Set(
        facts.truth.evidence.filter((e) => POISONED_ANSWERS.test(e.kind)).map((e) => `${e.batchId}/${e.id}`),
      );
      const invalid = promoted.filter((p) => !validate(JSON.parse(p.value)));
      const faulty = promoted.filter((p) => poisoned.has(`${p.batch_id}/${p.custom_id}`));
      if (invalid.length > 0)
        reasons.push(`${invalid.length} promoted rows fail the schema (first: ${invalid[0]!.key})`);
      if (faulty.length > 0)
        reasons.push(`${faulty.length} promoted rows carry an injected fault (first: ${faulty[0]!.key})`);
      return reasons;
    },
  },
  mapping: {
    says: "every promoted value is the world's answer to that row's own request, sent with the row's current values",
    async check(facts) {
      const wrong: string[] = [];
      const columns = templateColumns(facts.job.template);
      for (const p of await facts.promoted()) {
        const request = facts.world.requestOf(p.batch_id, p.custom_id);
        const row = facts.currentRows.get(p.key)?.row as Record<string, unknown> | undefined;
        const answer = facts.firstAnswer(p.batch_id, p.custom_id);
        const prompt = request ? promptText(request.params.system, request.params.messages) : '';
        if (!request || !row) wrong.push(`${p.key}: no request ${p.custom_id} in ${p.batch_id}`);
        else if (!columns.every((column) => prompt.includes(String(row[column] ?? ''))))
          wrong.push(`${p.key}: its request did not carry the row's current values`);
        else if (answer === undefined || canonical(answer) !== canonical(p.value))
          wrong.push(`${p.key}: the promoted value is not the world's answer to ${p.custom_id}`);
      }
      return wrong.length === 0
        ? []
        : [`${wrong.length} promoted rows are misattributed (first: ${wrong[0]})`];
    },
  },
  spend_within_ceiling: {
    says: 'what the world billed stays within the job’s cost ceiling',
    async check(facts) {
      // A drill's clean first run bills too: count every batch but those another run claims, so
      // that a batch no run claims (billed twice, or orphaned) counts against this one.
      const others = new Set(
        (
          await facts.db.all<{ batch_id: string }>(
            'SELECT batch_id FROM submission_batches WHERE run_id <> ? AND batch_id IS NOT NULL',
            [facts.runId],
          )
        ).map((b) => b.batch_id),
      );
      const spent = facts.truth.billing
        .filter((b) => !others.has(b.batchId))
        .reduce((sum, b) => sum + b.costUsd, 0);
      return spent <= facts.job.costCeilingUsd + 1e-9
        ? []
        : [`billed $${spent.toFixed(4)}, above the ceiling of $${facts.job.costCeilingUsd}`];
    },
  },
  worst_case_within_ceiling: {
    says: 'what the API could have billed the run stays within the ceiling: every request each of its batches counted succeeded, at its input and the full max_tokens of output',
    async check(facts) {
      const models = new Map(
        (
          await facts.db.all<{ batch_id: string; model: string }>(
            'SELECT DISTINCT batch_id, model FROM batch_requests WHERE run_id = ? AND batch_id IS NOT NULL',
            [facts.runId],
          )
        ).map((b) => [b.batch_id, b.model]),
      );
      let worst = 0;
      for (const b of facts.truth.billing) {
        const model = models.get(b.batchId);
        const info = model === undefined ? undefined : findModel(model);
        if (info) worst += batchCostUsd(info, b.inputTokens, b.succeededRows * facts.job.maxTokens);
      }
      return worst <= facts.job.costCeilingUsd + 1e-9
        ? []
        : [
            `the run could have been billed $${worst.toFixed(4)}, above the ceiling of $${facts.job.costCeilingUsd}`,
          ];
    },
  },
  no_double_billing: {
    says: 'every batch the world billed belongs to exactly one submission, and none was billed twice',
    async check(facts) {
      const claims = new Map<string, number>();
      for (const s of await facts.db.all<{ batch_id: string }>(
        'SELECT batch_id FROM submission_batches WHERE batch_id IS NOT NULL',
      ))
        claims.set(s.batch_id, (claims.get(s.batch_id) ?? 0) + 1);
      const reasons: string[] = [];
      const billed = facts.truth.billing.map((b) => b.batchId);
      if (new Set(billed).size !== billed.length) reasons.push('a batch was billed twice');
      const orphans = billed.filter((id) => claims.get(id) !== 1);
      if (orphans.length > 0)
        reasons.push(
          `${orphans.length} billed batches are not claimed by exactly one submission (${orphans[0]})`,
        );
      return reasons;
    },
  },
  nothing_promoted: {
    says: 'the run put nothing in the sink',
    async check(facts) {
      const promoted = await facts.promoted();
      return promoted.length === 0 ? [] : [`${promoted.length} rows were promoted`];
    },
  },
  halted_after_canary: {
    says: 'the run halted after the canary: no main batch was sent, so spend stayed within the canary',
    async check(facts) {
      const reasons =
        facts.summary.status === 'halted' ? [] : [`the run ended ${facts.summary.status}, not halted`];
      const main = await facts.db.one<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM submission_batches WHERE run_id = ? AND phase <> 'canary'",
        [facts.runId],
      );
      if (main!.n > 0) reasons.push(`${main!.n} batches were sent after the canary`);
      return reasons;
    },
  },
  refused_before_spend: {
    says: 'the launch was refused before any batch was created or billed',
    async check(facts) {
      const reasons =
        facts.summary.status === 'refused' ? [] : [`the run ended ${facts.summary.status}, not refused`];
      const batches = facts.world.list({}).data.length;
      if (batches > 0) reasons.push(`${batches} batches were created`);
      return reasons;
    },
  },
  no_alarm: {
    says: 'the run raised no alarm (a clean baseline has nothing to alarm on)',
    async check(facts) {
      const alarms = facts.entries.filter((e) => e.phase === 'alarm').map((e) => e.kind);
      return alarms.length === 0 ? [] : [`alarms raised: ${[...new Set(alarms)].join(', ')}`];
    },
  },
  valid_share_min: {
    param: SHARE,
    says: 'at least this share of source rows is promoted (the job still delivers)',
    async check(facts, param) {
      const share = (await facts.promoted()).length / facts.sourceKeys.length;
      return share >= (param ?? 0) ? [] : [`${pct(share)} of rows promoted, below ${pct(param ?? 0)}`];
    },
  },
  clean_quarantine_max: {
    param: SHARE,
    says: 'at most this share of rows no fault touched is quarantined',
    async check(facts, param) {
      const touched = await facts.touchedKeys();
      const rows = await facts.db.all<{ row_key: string; disposition: string }>(
        'SELECT row_key, disposition FROM row_dispositions WHERE run_id = ?',
        [facts.runId],
      );
      const clean = rows.filter((r) => !touched.has(r.row_key));
      const share = clean.filter((r) => r.disposition === 'quarantined').length / Math.max(1, clean.length);
      return share <= (param ?? 0)
        ? []
        : [`${pct(share)} of clean rows quarantined, above ${pct(param ?? 0)}`];
    },
  },
  obeyed_share_max: {
    param: SHARE,
    says: 'the primary model obeyed at most this share of the injected rows (the fence held)',
    async check(facts, param) {
      const injected = facts.truth.evidence.filter((e) => e.kind === 'injected').length;
      const byId = await facts.requestsById();
      const obeyed = new Set(
        facts.truth.evidence
          .filter((e) => e.kind === 'obeyed')
          .map((e) => byId.get(e.id))
          .filter((r) => r?.model === facts.job.models.primary)
          .map((r) => r!.row_key),
      ).size;
      const share = obeyed / Math.max(1, injected);
      return share <= (param ?? 0)
        ? []
        : [
            `the primary obeyed ${obeyed} of ${injected} injected rows (${pct(share)}), above ${pct(param ?? 0)}`,
          ];
    },
  },
  expired_resolved: {
    says: 'every expired or canceled row was submitted again or dead-lettered with its reason',
    async check(facts) {
      const byId = await facts.requestsById();
      const tries = new Map<string, number>();
      for (const r of byId.values()) tries.set(r.row_key, (tries.get(r.row_key) ?? 0) + 1);
      const dispositions = new Map(
        (
          await facts.db.all<{ row_key: string; disposition: string }>(
            'SELECT row_key, disposition FROM row_dispositions WHERE run_id = ?',
            [facts.runId],
          )
        ).map((d) => [d.row_key, d.disposition]),
      );
      const stuck = facts.truth.evidence
        .filter((e) => e.kind === 'expired' || e.kind === 'canceled')
        .map((e) => byId.get(e.id)?.row_key)
        .filter(
          (key) => key === undefined || (tries.get(key)! < 2 && dispositions.get(key) !== 'dead_lettered'),
        );
      return stuck.length === 0
        ? []
        : [`${stuck.length} expired or canceled rows were neither retried nor dead-lettered`];
    },
  },
  validity_matches_injected: {
    says: "every drifted answer was quarantined with the drift's own reason",
    async check(facts) {
      const outcomes = new Map(
        (
          await facts.db.all<{ batch_id: string; custom_id: string; kind: string; reason: string | null }>(
            'SELECT batch_id, custom_id, kind, reason FROM answer_outcomes WHERE run_id = ?',
            [facts.runId],
          )
        ).map((o) => [`${o.batch_id}/${o.custom_id}`, o]),
      );
      const missed = facts.truth.evidence
        .filter((e) => schemaBreak(e.kind))
        .filter((e) => {
          const outcome = outcomes.get(`${e.batchId}/${e.id}`);
          return (
            outcome?.kind !== 'invalid' || outcome.reason !== DRIFT_REASONS[e.kind.slice('drifted:'.length)]
          );
        });
      return missed.length === 0
        ? []
        : [
            `${missed.length} drifted answers were not quarantined with their drift's reason (first: ${missed[0]!.kind} ${missed[0]!.id})`,
          ];
    },
  },
  slice_restored: {
    says: "the runbook reversed exactly the slice the fault touched: assess named exactly the promoted ids in the batches it hit, those rows are as they were before the run, and every other row stays as the run left it; the rollback's own account (the run partially_rolled_back, the rows it says it restored and removed) matches",
    async check(facts) {
      const runbook = facts.runbook;
      if (runbook === null) return ['no runbook was run'];
      const afterRun = new Map(runbook.sinkAfterRun.map((r) => [r.key, r]));
      const faulted = new Set(facts.truth.evidence.map((e) => e.id));
      const slice = runbook.sinkAfterRun.filter((r) => r.run_id === facts.runId && faulted.has(r.custom_id));
      const reasons: string[] = [];
      const assessed = new Set(runbook.assessed);
      const missed = slice.filter((r) => !assessed.has(r.custom_id)).length;
      const extra = runbook.assessed.length - (slice.length - missed);
      if (slice.length === 0) reasons.push('the fault left no promoted row to reverse');
      if (missed > 0 || extra > 0)
        reasons.push(
          `assess named ${runbook.assessed.length} ids where the fault touched ${slice.length} promoted rows (${missed} missed, ${extra} beyond them)`,
        );
      const sliceKeys = new Set(slice.map((r) => r.key));
      const before = new Map((facts.sinkBefore ?? []).map((r) => [r.key, r]));
      const now = new Map((await facts.sinkRows()).map((r) => [r.key, r]));
      let restoredWrong = 0;
      let othersMoved = 0;
      for (const key of new Set([...before.keys(), ...afterRun.keys(), ...now.keys()])) {
        const expected = sliceKeys.has(key) ? before.get(key) : afterRun.get(key);
        const same =
          expected === undefined
            ? !now.has(key)
            : now.has(key) && canonical(JSON.stringify(now.get(key))) === canonical(JSON.stringify(expected));
        if (!same && sliceKeys.has(key)) restoredWrong++;
        else if (!same) othersMoved++;
      }
      if (restoredWrong > 0)
        reasons.push(
          `${restoredWrong} of the ${sliceKeys.size} rows of the slice are not as they were before the run`,
        );
      if (othersMoved > 0) reasons.push(`${othersMoved} rows outside the slice changed in the rollback`);
      if (afterRun.size === sliceKeys.size)
        reasons.push('the slice is the whole sink: nothing tells a slice from all');
      reasons.push(...(await rollbackAccount(facts, 'partially_rolled_back', sliceKeys.size)));
      return reasons;
    },
  },
  held_for_golden_drift: {
    says: "the run was held for the golden score's drop below its baseline, while above the job's minimum",
    async check(facts) {
      const held = facts.entries.find((e) => e.phase === 'alarm' && e.kind === 'promotion_held');
      const reason = String(held?.detail.reason ?? '');
      if (facts.summary.status !== 'held') return [`the run ended ${facts.summary.status}, not held`];
      if (!/below the baseline/.test(reason))
        return [`the hold's reason is not a drop from the baseline: ${reason}`];
      if (/below the minimum/.test(reason)) return [`the golden score fell below the minimum too: ${reason}`];
      return [];
    },
  },
  sink_restored: {
    says: "after the runbook the sink equals its state before the bad run, and the rollback's own account (the run rolled_back, the rows it says it restored and removed) matches",
    async check(facts) {
      const now = await facts.sinkRows();
      const before = facts.sinkBefore ?? [];
      const differ =
        Math.abs(now.length - before.length) +
        now.filter((r, i) => canonical(JSON.stringify(r)) !== canonical(JSON.stringify(before[i]))).length;
      const reasons =
        differ === 0 ? [] : [`the sink differs from its state before the bad run in ${differ} rows`];
      const touched = (facts.runbook?.sinkAfterRun ?? []).filter((r) => r.run_id === facts.runId).length;
      return [...reasons, ...(await rollbackAccount(facts, 'rolled_back', touched))];
    },
  },
};

/**
 * What the rollback says it did, against what was asked of it: the run's status after it, and
 * its `rolled_back` entry's rows (restored and removed, no conflict) for the `rows` it reversed.
 * An operator reads these to know the rollback is done; a wrong account is a failed runbook.
 */
async function rollbackAccount(
  facts: DrillFacts,
  status: 'rolled_back' | 'partially_rolled_back',
  rows: number,
): Promise<string[]> {
  const run = await facts.db.one<{ status: string }>('SELECT status FROM runs WHERE run_id = ?', [
    facts.runId,
  ]);
  // A runbook drill's log is read back after the runbook, its rollback's entries included.
  const entries = facts.entries.filter((e) => e.step === 'rollback');
  const reasons: string[] = [];
  if (run?.status !== status)
    reasons.push(`the run's status after the rollback is ${run?.status}, not ${status}`);
  const outcomes = entries.filter((e) => e.kind === 'rolled_back');
  if (outcomes.length !== 1)
    return [...reasons, `the rollback logged ${outcomes.length} rolled_back entries, not 1`];
  const { restored, removed, conflicts } = outcomes[0]!.detail as {
    restored: number;
    removed: number;
    conflicts: number;
  };
  if (restored + removed !== rows || conflicts !== 0)
    reasons.push(
      `the rollback says it restored ${restored} and removed ${removed} rows with ${conflicts} conflicts, where it reversed ${rows} rows with none`,
    );
  const alarms = entries.filter((e) => e.phase === 'alarm').map((e) => e.kind);
  if (alarms.length > 0) reasons.push(`the rollback raised ${alarms.join(', ')}`);
  return reasons;
}

function pct(share: number): string {
  return `${(100 * share).toFixed(1)} %`;
}

/** JSON text with key order and spacing normalised by a parse and a stringify. */
function canonical(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json));
  } catch {
    return json;
  }
}

const INDEPENDENT = new Map<string, ReturnType<InstanceType<typeof Ajv>['compile']>>();

/**
 * The job's schema compiled here, apart from the pipeline's gate, so a gate bug cannot hide itself.
 * Kept by the schema's text (a compile costs 10–30 ms, and every drill of a game day checks the
 * same job's): this process's last few, in a cache of the checkers' own.
 */
function independentValidator(schema: Record<string, unknown>) {
  const key = JSON.stringify(schema);
  let validate = INDEPENDENT.get(key);
  if (!validate) {
    const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
    const options = { strict: false, validateFormats: false, logger: false } as const;
    validate = (draft07 ? new Ajv(options) : new Ajv2020(options)).compile(schema);
    if (INDEPENDENT.size >= 8) INDEPENDENT.delete(INDEPENDENT.keys().next().value as string);
    INDEPENDENT.set(key, validate);
  }
  return validate;
}
