import { createReadStream } from 'node:fs';

/**
 * Why DuckDB could not make one table of a CSV source, in words a person can act on. DuckDB
 * guesses a CSV's dialect from its lines; one line with another number of fields (a stray
 * whitespace line, a field with an unquoted comma, an unclosed quote) makes it fall back to one
 * column holding whole lines, and the plan then reports "no column id" or "a row longer than
 * 8 MB": the wrong problem. Asked only once DuckDB's reading looks wrong, so the file is read a
 * second time (in chunks, in bounded memory) only then.
 */
export async function csvShapeProblem(path: string): Promise<string | null> {
  const scan = new CsvShape();
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const problem = scan.next(chunk as Buffer);
      if (problem) return problem;
    }
  } catch {
    return null; // unreadable: DuckDB's own message says why
  }
  return scan.end();
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const CR = 0x0d;
const DELIMITERS = [',', ';', '\t', '|'].map((d) => d.charCodeAt(0));

/** Counts each record's fields (RFC 4180: a quoted field may hold delimiters, newlines and ""). */
class CsvShape {
  private delimiter = -1;
  private header = 0;
  private fields = 1;
  private inQuotes = false;
  private line = 1;
  private recordLine = 1;
  /** Whether the record so far has any byte besides a CR (an empty line is skipped, as DuckDB does). */
  private recordBytes = false;
  private headerBytes: number[] = [];

  next(chunk: Buffer): string | null {
    for (const byte of chunk) {
      if (this.header === 0 && this.delimiter === -1) this.headerBytes.push(byte);
      if (byte === QUOTE) this.inQuotes = !this.inQuotes;
      if (byte === NEWLINE) {
        this.line++;
        if (this.inQuotes) continue;
        const problem = this.endRecord();
        if (problem) return problem;
        continue;
      }
      if (byte !== CR) this.recordBytes = true;
      if (!this.inQuotes && byte === this.delimiter) this.fields++;
    }
    return null;
  }

  end(): string | null {
    if (this.inQuotes) return `line ${this.recordLine} opens a quote that is never closed`;
    return this.endRecord();
  }

  private endRecord(): string | null {
    const blank = !this.recordBytes;
    if (this.header === 0 && this.delimiter === -1) this.pickDelimiter();
    const { fields, recordLine } = this;
    this.fields = 1;
    this.recordBytes = false;
    this.recordLine = this.line;
    if (blank || this.delimiter === -1) return null;
    if (this.header === 0) {
      this.header = fields;
      return null;
    }
    if (fields === this.header) return null;
    return `line ${recordLine} has ${fields} field${fields === 1 ? '' : 's'} where the header (line 1) has ${this.header}`;
  }

  /** The header's delimiter: the candidate it holds most often outside quotes; its fields, counted again. */
  private pickDelimiter(): void {
    let best = -1;
    let bestCount = 0;
    for (const delimiter of DELIMITERS) {
      let count = 0;
      let quoted = false;
      for (const byte of this.headerBytes) {
        if (byte === QUOTE) quoted = !quoted;
        else if (!quoted && byte === delimiter) count++;
      }
      if (count > bestCount) [best, bestCount] = [delimiter, count];
    }
    this.delimiter = best;
    this.fields = bestCount + 1;
    this.headerBytes = [];
  }
}
