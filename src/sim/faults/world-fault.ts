import type { ModelReply } from '../model/simulated-model.js';
import { keyedUnit } from '../seed.js';
import type { BatchRequest, ErrorType, ResultType } from '../world/api-types.js';
import type { ProcessingOptions } from '../world/processing.js';
import type { HttpFault } from './http-fault.js';

/*
 * A fault family: one of the seven failure modes of batch work, made into hooks the world (and
 * the drill that sets the world up) call at fixed points. Shared code calls every hook of every
 * fault in turn and never asks which fault it is: each fault declares what it does.
 *
 * Every decision a hook makes is a pure function of (seed, fault, what it is about: a custom_id,
 * which carries the attempt, or a row key), drawn with `ctx.draw`, so the same seed makes the
 * same faults whatever else happens, however the requests are grouped into batches (a resumed run
 * may group them differently from one that never crashed). What a fault did goes to the world's ground truth through
 * `ctx.record`, where checkers read it and the pipeline cannot.
 */

/** What a fault's hooks may use: seeded draws, the evidence recorder, and the drill's source. */
export interface FaultContext {
  /** A uniform draw in [0, 1) keyed by the seed, the fault's name and `parts`. */
  draw(...parts: (string | number)[]): number;
  /** Record one piece of evidence: what kind of harm, to which id, in which batch. */
  record(kind: string, id: string, batchId?: string): void;
  /** The source file the job reads, when the world was given one (drills give it). */
  source?: SourceHandle;
}

/** One source row of a drill, with what the world (never the pipeline) knows of it. */
export interface DrillRow {
  /** The row as the source file holds it: column → value (a string from CSV, any JSON value from JSONL). */
  row: Record<string, unknown>;
  /** The row carries an instruction planted to hijack the model. */
  injected: boolean;
  /** The row's right label, where the world knows it (generated reviews); faults aim injections away from it. */
  label?: string;
}

/**
 * Where a drill's faults act in this job, read from the job and its source before any fault:
 * fault families take their targets from here, so one fault catalog drills any job.
 */
export interface DrillTargets {
  /** The key column. */
  key: string;
  /** The columns the job's template reads, the longest text first: faults that plant, edit or inflate text use the first. */
  textColumns: string[];
  /** Every column of the source, in the file's order. */
  columns: string[];
  /** The job's output schema, resolved (never a path). */
  schema: Record<string, unknown>;
  /** The job's quote fields (answer fields that must quote the row). */
  quoteFields: string[];
}

/** The key of a drill row. */
export const rowKey = (row: DrillRow, targets: Pick<DrillTargets, 'key'>): string =>
  String(row.row[targets.key]);

/**
 * Thrown by a fault's `prepare` when it cannot be injected into this job at all (a wrong-column
 * template with no other column to read, a drift with no field of its kind): the drill is then
 * `not_applicable`, with `reason` saying why, and never a silent pass.
 */
export class NotApplicable extends Error {
  constructor(
    readonly fault: string,
    readonly reason: string,
  ) {
    super(`${fault}: not applicable: ${reason}`);
  }
}

/** The job's source file, which a fault may edit while a run is in flight. */
export interface SourceHandle {
  /** Where faults act in this source. */
  readonly targets: DrillTargets;
  /** Rewrite the file from its rows, after `change` edited, reordered or replaced them. */
  rewrite(change: (rows: DrillRow[]) => DrillRow[]): void;
}

/** A batch as the world just created it. */
export interface CreatedBatch {
  id: string;
  /** Order of creation in the world, 0 for the first batch. */
  sequence: number;
  createdAtMs: number;
  requests: readonly BatchRequest[];
}

/** One result as it is about to be written to a batch's results file. */
export interface ResultView {
  batchId: string;
  sequence: number;
  customId: string;
  type: ResultType;
  /** The request's max_tokens. */
  maxTokens: number;
  /** The model the request asked for. */
  model: string;
}

/** What a fault changes in a request's planned future at create. */
export type PlannedChange =
  | { error: { errorType: ErrorType; message: string } }
  /** The request never finishes: the batch runs to its 24 h expiry and the request expires. */
  | { neverFinishes: true };

/** What a drill sets up before the world exists, which source-side faults change. */
export interface DrillSetup {
  /** The job file's keys (snake_case, as in YAML), which a fault may change. */
  job: Record<string, unknown>;
  /** The source rows (generated, or a sample of the team's own source), with what the world knows of them. */
  rows: DrillRow[];
  /** Where faults act in this job. */
  targets: DrillTargets;
}

export interface WorldFault {
  /** The failure mode's identifier; evidence is filed under it. */
  readonly name: string;
  /** HTTP faults this failure mode brings (e.g. a create whose response is lost). */
  readonly httpFaults?: readonly HttpFault[];
  /**
   * Crash the pipeline's process once at this crash point, leave it down for `downtimeMs` of
   * virtual time, then resume it (the drill runner does this).
   */
  readonly crash?: { point: string; downtimeMs: number };
  /** Change the job or the rows before the run (a poisoned template, an oversized row…). */
  prepare?(setup: DrillSetup, ctx: FaultContext): void;
  /** Processing of one batch (a slow queue, an early archive); merged over the world's own. */
  processing?(batch: CreatedBatch): Partial<ProcessingOptions> | undefined;
  /** Change request `index`'s planned future at create, or leave it (undefined). */
  plan?(batch: CreatedBatch, index: number, ctx: FaultContext): PlannedChange | undefined;
  /** After create: see the requests (evidence), edit the source, or schedule a cancel (ms after create). */
  afterCreate?(batch: CreatedBatch, ctx: FaultContext): { cancelAfterMs?: number } | undefined;
  /** Rewrite a succeeded reply before it is written and billed. */
  reply?(view: ResultView, reply: ModelReply, ctx: FaultContext): ModelReply;
  /** The lines written for one result: [line] keeps it, [] drops it, more repeat or alter it. */
  lines?(view: ResultView, line: string, ctx: FaultContext): string[];
  /** Lines added at the end of a batch's results file (ids the batch never had). */
  extraLines?(batch: CreatedBatch, ctx: FaultContext): string[];
}

/** Evidence of one fault at work, kept in the ground truth. */
export interface FaultEvidence {
  fault: string;
  kind: string;
  id: string;
  batchId: string | null;
}

/** The context a world hands fault `name`'s hooks. */
export function faultContext(
  seed: number,
  name: string,
  evidence: FaultEvidence[],
  source?: SourceHandle,
): FaultContext {
  return {
    draw: (...parts) => keyedUnit(seed, 'fault', name, ...parts),
    record: (kind, id, batchId) => evidence.push({ fault: name, kind, id, batchId: batchId ?? null }),
    source,
  };
}
