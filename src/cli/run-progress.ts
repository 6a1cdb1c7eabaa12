import { formatCount as count, formatUsd as usd } from '../core/numbers.js';
import type { BatchProgress, PollProgress } from '../pipeline/run/progress.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import type { Io } from './io.js';

/**
 * Off a terminal, at most one progress line per this much of the run's clock: a line per poll
 * at the polls' usual pace (a minute apart by default), never a flood from a fast one.
 */
export const PROGRESS_LINE_EVERY_MS = 5_000;

/** A span of time as a person reads it: `45 s`, `12 min`, `3 h 20 min`. */
export function duration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

/**
 * What `run` and `resume` show while a run waits on its batches: the phase, each batch's requests
 * ended out of its total, the spend bound against the ceiling, the canary's verdict once it came,
 * and the time left, estimated from how fast each batch's requests have been ending. On a
 * terminal it is one status line, redrawn after each poll; elsewhere a `[progress]` line after a
 * poll, at most one per PROGRESS_LINE_EVERY_MS (5 s) of the run's clock, and one whenever a batch ends.
 */
export class RunProgressView {
  private canary: string | null = null;
  /** Per batch: when it was first seen with requests still processing, and how many had ended then. */
  private readonly firstSeen = new Map<string, { at: number; ended: number }>();
  private lastLineAt = Number.NEGATIVE_INFINITY;
  private readonly done = new Set<string>();

  constructor(private readonly io: Io) {}

  /** Follow the run's log for the canary's verdict. */
  entry(entry: LogEntry): void {
    if (entry.kind === 'canary_released') this.canary = 'canary released';
    if (entry.kind === 'canary_halted') this.canary = 'canary halted';
  }

  progress(p: PollProgress): void {
    const line = this.describe(p);
    if (this.io.status) {
      this.io.status(line);
      return;
    }
    const newlyDone = p.batches.filter((b) => b.done && !this.done.has(b.submissionId));
    for (const b of newlyDone) this.done.add(b.submissionId);
    if (newlyDone.length === 0 && p.at - this.lastLineAt < PROGRESS_LINE_EVERY_MS) return;
    this.lastLineAt = p.at;
    this.io.out(`[progress] ${line}`);
  }

  /** Take the status line away (the run has ended, or failed). */
  end(): void {
    this.io.status?.(null);
  }

  describe(p: PollProgress): string {
    const batches = p.batches.map(
      (b) => `${b.submissionId} ${count(b.ended)}/${count(b.requests)}${b.done ? ' done' : ''}`,
    );
    const left = this.timeLeft(p);
    return [
      `${p.phase} round ${p.round}`,
      ...batches,
      `spend ≤ ${usd(p.spentMaxUsd)} of ${usd(p.ceilingUsd)}`,
      ...(this.canary ? [this.canary] : []),
      left,
    ].join(' · ');
  }

  /** The longest of the pending batches' times left, at the pace each has kept since first seen. */
  private timeLeft(p: PollProgress): string {
    const pending = p.batches.filter((b) => !b.done);
    if (pending.length === 0) return 'batches ended';
    let longest = 0;
    for (const b of pending) {
      const estimate = this.estimate(b, p.at);
      if (estimate === null) return 'time left not known yet';
      longest = Math.max(longest, estimate);
    }
    return `about ${duration(longest)} left`;
  }

  private estimate(b: BatchProgress, at: number): number | null {
    const first = this.firstSeen.get(b.submissionId);
    if (!first) {
      this.firstSeen.set(b.submissionId, { at, ended: b.ended });
      return null;
    }
    const rate = (b.ended - first.ended) / (at - first.at);
    if (!(rate > 0)) return null;
    return (b.requests - b.ended) / rate;
  }
}
