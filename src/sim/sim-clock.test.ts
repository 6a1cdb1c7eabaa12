import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import { ScaledClock, SIM_EPOCH_MS, SimClock } from './sim-clock.js';

/** A real clock under the test's control: time moves only when the test says so. */
class FakeRealClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private nowMs = 5_000_000) {}
  now(): number {
    return this.nowMs;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.nowMs += ms;
  }
  tick(ms: number): void {
    this.nowMs += ms;
  }
}

describe('SimClock', () => {
  it('starts at 2026-01-01T00:00:00Z unless given a start', () => {
    expect(SIM_EPOCH_MS).toBe(Date.UTC(2026, 0, 1));
    expect(new SimClock().now()).toBe(SIM_EPOCH_MS);
    expect(new SimClock(123).now()).toBe(123);
  });

  it('sleep advances virtual time by ms at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(10 * 86_400_000), async (ms) => {
        const clock = new SimClock();
        await clock.sleep(ms);
        expect(clock.now()).toBe(SIM_EPOCH_MS + ms);
      }),
    );
  });

  it('advances by the longest of sleeps started together, not by their sum', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3_600_000), { minLength: 1, maxLength: 8 }), async (waits) => {
        const clock = new SimClock();
        await Promise.all(waits.map((ms) => clock.sleep(ms)));
        expect(clock.now()).toBe(SIM_EPOCH_MS + Math.max(...waits));
      }),
    );
  });

  it('adds up sleeps taken one after another', async () => {
    const clock = new SimClock();
    await clock.sleep(1_000);
    await clock.sleep(2_500);
    expect(clock.now()).toBe(SIM_EPOCH_MS + 3_500);
  });

  it('never moves backward, for a negative sleep or advance', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -86_400_000, max: 86_400_000 }), { maxLength: 10 }),
        async (steps) => {
          const clock = new SimClock();
          let expected = SIM_EPOCH_MS;
          for (const [i, ms] of steps.entries()) {
            if (i % 2 === 0) clock.advance(ms);
            else await clock.sleep(ms);
            expected += Math.max(0, ms);
            expect(clock.now()).toBe(expected);
          }
        },
      ),
    );
  });
});

describe('ScaledClock', () => {
  it('starts at its start time and runs at scale × the real clock', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.nat(60_000), { maxLength: 10 }),
        (scale, ticks) => {
          const real = new FakeRealClock();
          const clock = new ScaledClock(real, scale, 1_000);
          expect(clock.now()).toBe(1_000);
          let realElapsed = 0;
          for (const ms of ticks) {
            real.tick(ms);
            realElapsed += ms;
            expect(clock.now()).toBe(1_000 + realElapsed * scale);
          }
        },
      ),
    );
  });

  it('starts at the simulation epoch by default', () => {
    expect(new ScaledClock(new FakeRealClock(), 60).now()).toBe(SIM_EPOCH_MS);
  });

  it('sleeps ms of virtual time as ms / scale of real time', async () => {
    const real = new FakeRealClock();
    const clock = new ScaledClock(real, 600, 0);
    await clock.sleep(60_000);
    expect(real.sleeps).toEqual([100]);
    expect(clock.now()).toBe(60_000);
  });

  it('advance adds at once, on top of scaled real time, and never subtracts', () => {
    const real = new FakeRealClock();
    const clock = new ScaledClock(real, 10, 0);
    clock.advance(3_600_000);
    expect(clock.now()).toBe(3_600_000);
    real.tick(50);
    expect(clock.now()).toBe(3_600_500);
    clock.advance(-1_000_000);
    expect(clock.now()).toBe(3_600_500);
  });
});
