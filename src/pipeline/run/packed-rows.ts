import type { RunDb, SqlParams } from '../db/run-db.js';

/** One row waiting to be submitted. */
export interface QueuedRow {
  customId: string;
  rowKey: string;
  rowJson: string;
  attempt: number;
  golden: boolean;
}

/** A batch's rows, read in order as many times as needed (an array will do). */
export interface QueuedRows extends Iterable<QueuedRow> {
  readonly length: number;
}

/** Text fields per row: custom_id, row key, row JSON. */
const FIELDS = 3;

/** Bytes of one segment of a batch's text: a row wider than this gets a segment of its own. */
const SEGMENT_BYTES = 1 << 20;

/**
 * A batch's rows kept as UTF-8 bytes in buffers of about a megabyte, each row decoded only while
 * it is read. A batch is read whole before its create and held until the create is done (a retry
 * sends it again). As JavaScript objects and strings its 100,000 rows are some 33 MB of V8 heap
 * that survive every collection while the batch is sent, and V8 lets the heap grow to a multiple
 * of what survives, so a long run's peak heap grew with it. Here they are buffers outside the
 * heap, about as many bytes as the rows' text, and small typed arrays; the strings a read makes
 * die young. Segments rather than one growing buffer: nothing is copied, and no outgrown buffer
 * waits for a collection.
 */
export class PackedRows implements QueuedRows {
  private readonly segments: Buffer[] = [];
  /** Bytes written to the last segment. */
  private used = 0;
  /** Each row's segment, and where its first field starts in it. */
  private segment = new Int32Array(256);
  private starts = new Int32Array(256);
  /** The end of each row's fields in its segment, FIELDS per row; a field starts where the one before ends. */
  private ends = new Int32Array(FIELDS * 256);
  private attempts = new Int32Array(256);
  private golden = new Uint8Array(256);
  private count = 0;

  /**
   * The rows of a query whose columns are custom_id, row_key, row_json, attempt and is_golden,
   * in its order, read a page at a time.
   */
  static async read(db: RunDb, sql: string, params: SqlParams): Promise<PackedRows> {
    const rows = new PackedRows();
    type Row = { custom_id: string; row_key: string; row_json: string; attempt: number; is_golden: boolean };
    for await (const page of db.stream<Row>(sql, params))
      for (const r of page)
        rows.push({
          customId: r.custom_id,
          rowKey: r.row_key,
          rowJson: r.row_json,
          attempt: r.attempt,
          golden: r.is_golden,
        });
    return rows;
  }

  get length(): number {
    return this.count;
  }

  push(row: QueuedRow): void {
    if (this.count === this.attempts.length) this.growRows();
    // A UTF-16 code unit is at most three bytes of UTF-8 (a surrogate pair, two units, is four).
    const room = 3 * (row.customId.length + row.rowKey.length + row.rowJson.length);
    let bytes = this.segments.at(-1);
    if (bytes === undefined || this.used + room > bytes.length) {
      bytes = Buffer.allocUnsafe(Math.max(room, SEGMENT_BYTES));
      this.segments.push(bytes);
      this.used = 0;
    }
    const i = this.count++;
    this.segment[i] = this.segments.length - 1;
    this.starts[i] = this.used;
    for (const [field, text] of [row.customId, row.rowKey, row.rowJson].entries()) {
      this.used += bytes.write(text, this.used, 'utf8');
      this.ends[FIELDS * i + field] = this.used;
    }
    this.attempts[i] = row.attempt;
    this.golden[i] = row.golden ? 1 : 0;
  }

  /** Row `i` (0 ≤ i < length), decoded afresh. */
  at(i: number): QueuedRow {
    if (!Number.isInteger(i) || i < 0 || i >= this.count)
      throw new RangeError(`no row ${i} of ${this.count}`);
    const bytes = this.segments[this.segment[i]!]!;
    const at = FIELDS * i;
    return {
      customId: bytes.toString('utf8', this.starts[i], this.ends[at]),
      rowKey: bytes.toString('utf8', this.ends[at], this.ends[at + 1]),
      rowJson: bytes.toString('utf8', this.ends[at + 1], this.ends[at + 2]),
      attempt: this.attempts[i]!,
      golden: this.golden[i] === 1,
    };
  }

  *[Symbol.iterator](): Iterator<QueuedRow> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  private growRows(): void {
    const grown = <T extends Int32Array | Uint8Array>(from: T, make: (n: number) => T): T => {
      const to = make(2 * from.length);
      to.set(from);
      return to;
    };
    this.segment = grown(this.segment, (n) => new Int32Array(n));
    this.starts = grown(this.starts, (n) => new Int32Array(n));
    this.ends = grown(this.ends, (n) => new Int32Array(n));
    this.attempts = grown(this.attempts, (n) => new Int32Array(n));
    this.golden = grown(this.golden, (n) => new Uint8Array(n));
  }
}
