/**
 * The one way code in src/ reads time. Live mode hands in the real clock; simulation hands in
 * a SimClock whose sleep advances virtual time at once, so a 24-hour batch window passes in
 * milliseconds. Times are Unix epoch milliseconds.
 */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** Resolve after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}
