import type { Clock } from '../core/clock.js';

/** 2026-01-01T00:00:00Z: every simulated world starts here unless told otherwise. */
export const SIM_EPOCH_MS = 1_767_225_600_000;

/**
 * Virtual time for the in-process world. `sleep` advances time at once instead of waiting:
 * each sleeper targets (time at the call + ms), and time moves to the furthest target reached,
 * so concurrent sleepers started together do not add their waits up.
 */
export class SimClock implements Clock {
  private nowMs: number;

  constructor(startMs: number = SIM_EPOCH_MS) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  async sleep(ms: number): Promise<void> {
    const target = this.nowMs + Math.max(0, ms);
    await Promise.resolve();
    this.nowMs = Math.max(this.nowMs, target);
  }

  /** Move virtual time forward by `ms` (never backward). */
  advance(ms: number): void {
    this.nowMs += Math.max(0, ms);
  }
}

/**
 * Virtual time for `serve`: runs at `scale` × real time from a fixed start, plus any manual
 * advances, so an HTTP client in any language sees batches progress without an admin call.
 */
export class ScaledClock implements Clock {
  private offsetMs = 0;
  private readonly realStartMs: number;

  constructor(
    private readonly real: Clock,
    /** Virtual milliseconds per real millisecond. */
    readonly scale: number,
    private readonly startMs: number = SIM_EPOCH_MS,
  ) {
    this.realStartMs = real.now();
  }

  now(): number {
    return this.startMs + this.offsetMs + (this.real.now() - this.realStartMs) * this.scale;
  }

  sleep(ms: number): Promise<void> {
    return this.real.sleep(ms / this.scale);
  }

  /** Move virtual time forward by `ms` at once. */
  advance(ms: number): void {
    this.offsetMs += Math.max(0, ms);
  }
}
