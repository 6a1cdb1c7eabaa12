import { type DrillRow, type DrillTargets, rowKey, type SourceHandle } from '../faults/world-fault.js';
import { type DatasetFormat, writeDataset } from './write-dataset.js';

/**
 * A drill's source file (CSV or JSONL) and the rows behind it, with what the world knows of them.
 * Faults edit it through `rewrite` while a run is in flight, as a team's upstream system would.
 */
export class SourceFile implements SourceHandle {
  constructor(
    readonly path: string,
    private rows: DrillRow[],
    readonly targets: DrillTargets,
    private readonly format: DatasetFormat = 'csv',
  ) {}

  /** Write the rows as they stand. */
  write(): void {
    writeDataset(
      this.path,
      this.rows.map((r) => r.row),
      this.format,
    );
  }

  rewrite(change: (rows: DrillRow[]) => DrillRow[]): void {
    this.rows = change(this.rows);
    this.write();
  }

  /** The rows as the file holds them now, by key. */
  current(): Map<string, DrillRow> {
    return new Map(this.rows.map((r) => [rowKey(r, this.targets), r]));
  }
}
