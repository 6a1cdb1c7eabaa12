import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeAtExit, removeFolder } from '../../core/exit-cleanup.js';
import { batchCostUsd } from '../../core/price-table.js';
import type { BoundFault } from '../faults/bound-fault.js';
import type { CreatedBatch, ResultView } from '../faults/world-fault.js';
import type { ModelTask } from '../model/simulated-model.js';
import { keyedRng } from '../seed.js';
import type { BillingEntry } from './ground-truth.js';
import { messageId } from './ids.js';
import { canceledLine, erroredLine, expiredLine, succeededLine } from './result-lines.js';
import type { SimBatch } from './sim-batch.js';
import { resultOrder, simulatedReply } from './simulated-reply.js';
import { simFolderPrefix, sweepStaleSimFolders } from './temp-sweep.js';

/** Bytes per write and per read: large enough to amortise syscalls, small enough to stay flat. */
export const RESULTS_CHUNK_BYTES = 64 * 1024;

/**
 * Write an ended batch's results file, as the real service does when a batch ends: one JSONL
 * object per request, each ending in `\n`, in a seeded order that is not the submission order.
 * The simulated model runs here once per row, and the same pass bills the succeeded rows, so
 * a download only streams bytes. Rows are written as they are made: memory stays flat. With a
 * `task` the model answers that task (TASK MODE in simulated-model.ts).
 */
export function writeResultsFile(
  path: string,
  seed: number,
  batch: SimBatch,
  faults: readonly BoundFault[] = [],
  task?: ModelTask,
): BillingEntry {
  const bill: BillingEntry = {
    batchId: batch.id,
    succeededRows: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  };
  const order = resultOrder(batch.requests.length, keyedRng(seed, 'results-order', batch.id));
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    const write = (line: string) => {
      chunk += `${line}\n`;
      if (chunk.length >= RESULTS_CHUNK_BYTES) {
        writeSync(fd, chunk);
        chunk = '';
      }
    };
    const created = createdView(batch);
    const liners = faults.filter((f) => f.fault.lines);
    for (let k = 0; k < order.length; k++) {
      const index = order[k]!;
      const view = resultView(batch, index);
      const line = resultLine(seed, batch, view, index, bill, faults, task);
      if (liners.length === 0) write(line);
      else for (const out of passThrough(liners, view, line)) write(out);
    }
    for (const { fault, ctx } of faults)
      for (const line of fault.extraLines?.(created, ctx) ?? []) write(line);
    if (chunk.length > 0) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return bill;
}

/** The batch as fault hooks see it. */
export function createdView(batch: SimBatch): CreatedBatch {
  return { id: batch.id, sequence: batch.sequence, createdAtMs: batch.createdAtMs, requests: batch.requests };
}

function resultView(batch: SimBatch, index: number): ResultView {
  const request = batch.requests[index]!;
  return {
    batchId: batch.id,
    sequence: batch.sequence,
    customId: request.custom_id,
    type: batch.resultType(index),
    maxTokens: request.params.max_tokens as number,
    // What the request named, if it is a name: any JSON may stand there, and String() of some
    // (an array holding an object whose toString is not a function) throws.
    model: typeof request.params.model === 'string' ? request.params.model : '',
  };
}

/** Each fault in turn gets every line the one before it let through. */
function passThrough(liners: readonly BoundFault[], view: ResultView, line: string): string[] {
  let lines = [line];
  for (const { fault, ctx } of liners) lines = lines.flatMap((l) => fault.lines!(view, l, ctx));
  return lines;
}

function resultLine(
  seed: number,
  batch: SimBatch,
  view: ResultView,
  index: number,
  bill: BillingEntry,
  faults: readonly BoundFault[],
  task: ModelTask | undefined,
): string {
  const request = batch.requests[index]!;
  switch (view.type) {
    case 'succeeded': {
      let reply = simulatedReply(seed, batch, index, task);
      for (const { fault, ctx } of faults) if (fault.reply) reply = fault.reply(view, reply, ctx);
      bill.succeededRows++;
      bill.inputTokens += reply.inputTokens;
      bill.outputTokens += reply.outputTokens;
      bill.costUsd += batchCostUsd(batch.plan.models[index]!, reply.inputTokens, reply.outputTokens);
      const id = messageId(keyedRng(seed, 'message-id', batch.id, request.custom_id));
      return succeededLine(request.custom_id, id, request.params.model as string, reply);
    }
    case 'errored': {
      const error = batch.plan.errors.get(index)!;
      return erroredLine(request.custom_id, error.errorType, error.message);
    }
    case 'canceled':
      return canceledLine(request.custom_id);
    case 'expired':
      return expiredLine(request.custom_id);
  }
}

/** A results file read back in chunks, lazily, for a download. */
export function* readResultsFile(path: string): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(RESULTS_CHUNK_BYTES);
      const bytes = readSync(fd, buffer, 0, RESULTS_CHUNK_BYTES, null);
      if (bytes === 0) return;
      yield buffer.subarray(0, bytes);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A private folder for one world's results files, named for this process, removed by `dispose`
 * or at process exit (the CLI turns Ctrl-C and SIGTERM into an exit). The first one a process
 * makes in a folder sweeps the folders there of processes that died without cleaning up.
 */
export class ResultsFolder {
  private path: string | null = null;

  /** `root`: the folder to make it in, the temp folder unless a test says otherwise. */
  constructor(private readonly root: string = tmpdir()) {}

  fileFor(batchId: string): string {
    if (this.path === null) {
      if (!SWEPT.has(this.root)) {
        SWEPT.add(this.root);
        sweepStaleSimFolders(this.root);
      }
      this.path = removeAtExit(mkdtempSync(join(this.root, simFolderPrefix())));
    }
    return join(this.path, `${batchId}.jsonl`);
  }

  /** Delete one batch's file, if it was written. */
  remove(batchId: string): void {
    if (this.path !== null) rmSync(join(this.path, `${batchId}.jsonl`), { force: true });
  }

  dispose(): void {
    if (this.path === null) return;
    removeFolder(this.path);
    this.path = null;
  }
}

/** The folders this process has swept already: once each is enough. */
const SWEPT = new Set<string>();
