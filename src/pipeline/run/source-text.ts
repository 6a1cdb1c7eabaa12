import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/**
 * What is wrong with a text source (CSV or JSONL) as bytes, found before DuckDB reads it:
 * DuckDB's own messages name the wrong problem for these (a binary file is "a row longer than
 * 8 MB", UTF-16 is "CSV Error on Line: 1", a JSONL array line is "no column id"), and its line
 * numbers are one past the line. Each is a problem of the file, not of one row: a file with a
 * NUL byte or bytes that are not UTF-8 was damaged or exported in another encoding, and what else
 * in it is wrong cannot be known, so the whole file is refused, with the line. A JSONL line that
 * is not an object has no key, so it cannot be quarantined as a row either.
 *
 * Read in chunks of CHUNK_BYTES, so a source of any size is checked in bounded memory.
 */
export interface TextProblem {
  /** Ends without a full stop; the caller's message adds it. */
  reason: string;
  hint: string;
}

/** The reason given for a file with nothing but blank lines. */
export const EMPTY_FILE = 'the file is empty';

const CHUNK_BYTES = 1 << 20;
/** The first bytes, where a file shows whether it is text at all (git also looks at 8,000). */
const SNIFF_BYTES = 8_000;
/** Text has next to no control bytes; a binary file (an image, a database, random bytes) has many. */
const BINARY_CONTROL_SHARE = 0.05;
const NEWLINE = 0x0a;

const UTF16: TextProblem = {
  reason: 'it is UTF-16 text; batchguard reads UTF-8',
  hint: 'Save the file as UTF-8 (in Excel: "CSV UTF-8"; or iconv -f UTF-16 -t UTF-8).',
};

const SIGNATURES: readonly { bytes: number[]; reason: (format: string) => string; hint: string }[] = [
  {
    bytes: [0x1f, 0x8b],
    reason: (f) => `it is gzip-compressed, not ${f} text`,
    hint: 'Decompress it (gunzip) and point `source` at the result.',
  },
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    reason: (f) => `it is a ZIP archive (an Excel workbook?), not ${f} text`,
    hint: 'Export the sheet as "CSV UTF-8", or unzip the archive, and point `source` at that file.',
  },
  {
    bytes: [0x50, 0x41, 0x52, 0x31],
    reason: (f) => `it is a Parquet file, not ${f} text`,
    hint: 'Name it .parquet, or write `format: parquet` under `source` in the job file.',
  },
  ...[
    [0xff, 0xfe],
    [0xfe, 0xff],
  ].map((bytes) => ({ bytes, reason: () => UTF16.reason, hint: UTF16.hint })),
];

const NOT_UTF8_HINT =
  'Save the file as UTF-8 (it may be in Latin-1 or Windows-1252: iconv -f CP1252 -t UTF-8).';

/** The first problem of the text file at `path`, or null (also when it cannot be opened: DuckDB says why). */
export async function textProblem(path: string, format: 'csv' | 'jsonl'): Promise<TextProblem | null> {
  const name = format === 'csv' ? 'CSV' : 'JSONL';
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const scan = new TextScan(format);
    const chunk = Buffer.alloc(CHUNK_BYTES);
    for (let offset = 0; ; ) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, offset);
      if (offset === 0) {
        const kind = fileKind(chunk.subarray(0, bytesRead), name);
        if (kind) return kind;
      }
      const found = scan.next(chunk.subarray(0, bytesRead), offset);
      if (found) return located(found, await lineAt(handle, found.offset));
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    if (!scan.sawText)
      return {
        reason: EMPTY_FILE,
        hint: 'Check the path in the job file, or export the source again.',
      };
    return null;
  } finally {
    await handle.close();
  }
}

type Found =
  | { kind: 'nul' | 'utf8' | 'bom'; offset: number }
  | { kind: 'line'; offset: number; first: number };

/** A file that is not text in UTF-8 at all, told by its first bytes: a known signature, UTF-16, or binary. */
function fileKind(head: Buffer, name: string): TextProblem | null {
  const signature = SIGNATURES.find(
    (s) => head.length >= s.bytes.length && s.bytes.every((b, i) => head[i] === b),
  );
  if (signature) return { reason: signature.reason(name), hint: signature.hint };
  const sniff = head.subarray(0, SNIFF_BYTES);
  if (sniff.length === 0) return null;
  let controls = 0;
  const nuls = [0, 0]; // at even and odd offsets
  for (let i = 0; i < sniff.length; i++) {
    const byte = sniff[i]!;
    if (byte === 0) nuls[i % 2]!++;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) controls++;
  }
  // ASCII in UTF-16 without a byte order mark: a NUL in every other byte, all on one side.
  if (Math.max(...nuls) >= sniff.length / 3 && Math.min(...nuls) === 0) return UTF16;
  if (controls >= BINARY_CONTROL_SHARE * sniff.length)
    return {
      reason: `it is binary, not ${name} text`,
      hint: `Point \`source\` at the ${name} file, or export the data as ${name}.`,
    };
  return null;
}

function located(found: Found, line: number): TextProblem {
  switch (found.kind) {
    case 'nul':
      return {
        reason: `line ${line} holds a NUL byte, which no text has`,
        hint: 'The file is damaged or not all text: remove the byte, or export the source again.',
      };
    case 'utf8':
      return { reason: `line ${line} is not valid UTF-8`, hint: NOT_UTF8_HINT };
    case 'bom':
      return {
        reason: 'line 1 starts with a byte order mark (BOM), which JSON Lines does not allow',
        hint: 'Save the file as UTF-8 without a BOM.',
      };
    case 'line':
      return {
        reason: `line ${line} is ${jsonKind(found.first)}`,
        hint: "Every line of a JSONL source must be one JSON object, with the key and the template's columns (or be blank).",
      };
  }
}

/** What a JSONL line starting with byte `first` is, when it is not an object. */
function jsonKind(first: number): string {
  const char = String.fromCharCode(first);
  if (char === '[') return 'a JSON array, not an object';
  if (char === '"') return 'a JSON string, not an object';
  if (char === '-' || (char >= '0' && char <= '9')) return 'a JSON number, not an object';
  if (char === 't' || char === 'f') return 'a JSON boolean, not an object';
  if (char === 'n') return 'JSON null, not an object';
  return `not a JSON object (it starts with ${first < 0x80 ? JSON.stringify(char) : 'a non-ASCII character'})`;
}

/** The 1-based line of byte `offset`: the newlines before it, counted again from the start (only on the way to an error). */
async function lineAt(handle: Awaited<ReturnType<typeof open>>, offset: number): Promise<number> {
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let lines = 1;
  for (let at = 0; at < offset; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK_BYTES, offset - at), at);
    if (bytesRead === 0) break;
    for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < bytesRead; i = chunk.indexOf(NEWLINE, i + 1))
      lines++;
    at += bytesRead;
  }
  return lines;
}

/** The checks over the file's bytes, fed chunk by chunk: NULs, UTF-8, and each JSONL line's first byte. */
class TextScan {
  sawText = false;
  /** The bytes of a UTF-8 character cut by the chunk's end, carried into the next. */
  private carry = Buffer.alloc(0);
  /** Whether the scan is at the start of a line, before its first byte that is not blank. */
  private lineStart = true;

  constructor(private readonly format: 'csv' | 'jsonl') {}

  /** Scan `chunk` (the file from `offset`; empty at the end); the first problem in it, or null. */
  next(chunk: Buffer, offset: number): Found | null {
    if (offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      if (this.format === 'jsonl') return { kind: 'bom', offset: 0 };
      chunk = chunk.subarray(3);
      offset = 3;
    }
    const nul = chunk.indexOf(0);
    if (nul !== -1) return { kind: 'nul', offset: offset + nul };
    const bytes = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const start = offset - this.carry.length;
    const whole = chunk.length === 0 ? bytes.length : completeLength(bytes);
    if (!isUtf8(bytes.subarray(0, whole)) || (chunk.length === 0 && bytes.length > 0))
      return { kind: 'utf8', offset: start + firstBadLine(bytes.subarray(0, Math.max(whole, bytes.length))) };
    this.carry = Buffer.from(bytes.subarray(whole));
    return this.lines(chunk, offset);
  }

  /** Whether the file has any text that is not blank, and (JSONL) whether each line opens an object. */
  private lines(chunk: Buffer, offset: number): Found | null {
    for (let i = 0; i < chunk.length; i++) {
      if (this.lineStart) {
        const byte = chunk[i]!;
        if (byte === 0x20 || byte === 0x09 || byte === 0x0d) continue;
        if (byte === NEWLINE) continue;
        this.sawText = true;
        this.lineStart = false;
        if (this.format === 'jsonl' && byte !== 0x7b)
          return { kind: 'line', offset: offset + i, first: byte };
      }
      const newline = chunk.indexOf(NEWLINE, i);
      if (newline === -1) break;
      i = newline;
      this.lineStart = true;
    }
    return null;
  }
}

/** How much of `bytes` ends on a whole UTF-8 character: a lead byte near the end whose sequence runs past it is cut. */
function completeLength(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** The offset, in `bytes`, of the start of its first line that is not valid UTF-8 (a newline is never inside a character). */
function firstBadLine(bytes: Buffer): number {
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    if (!isUtf8(bytes.subarray(start, end))) return start;
    start = end + 1;
  }
  return 0;
}

/**
 * The first line of a JSONL file that does not parse as JSON, with JSON.parse's reason: asked
 * only once DuckDB has refused the file, whose message counts lines one too many.
 */
export async function firstBadJsonLine(path: string): Promise<{ line: number; reason: string } | null> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      try {
        JSON.parse(text);
      } catch (error) {
        return { line, reason: (error as Error).message };
      }
    }
  } finally {
    lines.close();
  }
  return null;
}
