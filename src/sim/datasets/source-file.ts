import type { SourceHandle } from '../faults/world-fault.js';
import type { GeneratedReview } from './reviews-dataset.js';
import { writeDataset } from './write-dataset.js';

/**
 * A drill's source file (CSV) and the generated rows behind it, ground truth included. Faults
 * edit it through `rewrite` while a run is in flight, as a team's upstream system would.
 */
export class SourceFile implements SourceHandle {
  constructor(
    readonly path: string,
    private rows: GeneratedReview[],
  ) {}

  /** Write the rows as they stand. */
  write(): void {
    writeDataset(
      this.path,
      this.rows.map((r) => r.row),
      'csv',
    );
  }

  rewrite(change: (rows: GeneratedReview[]) => GeneratedReview[]): void {
    this.rows = change(this.rows);
    this.write();
  }

  /** The rows as the file holds them now, by key. */
  current(): Map<string, GeneratedReview> {
    return new Map(this.rows.map((r) => [r.row.id, r]));
  }
}
