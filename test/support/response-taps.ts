import {
  type CountsMutation,
  type LineMutation,
  MISSING,
  type ResponseMutations,
} from '../arbitraries/response-mutation.js';
import type { SimRun } from './pipeline-harness.js';

/*
 * Applies generated response mutations to a simulated run's fetch: results files are rewritten
 * as text (so a line can be blank, cut or not JSON at all), their bodies truncated or their
 * connection dropped, and the request_counts of ended batches altered. It records what it
 * changed, so a test can tell a case that did nothing from one that did.
 */

/** What the taps really changed: results downloads and batch retrieves. */
export interface Applied {
  downloads: number;
  counts: number;
}

const isResults = (request: Request) => request.method === 'GET' && request.url.endsWith('/results');
const isRetrieve = (request: Request) =>
  request.method === 'GET' && /^\/v1\/messages\/batches\/[^/]+$/.test(new URL(request.url).pathname);

/** Wrap `run.env.fetch` so that every response passes through `mutations`. */
export function applyResponseMutations(run: SimRun, mutations: ResponseMutations): Applied {
  const inner = run.env.fetch;
  const applied: Applied = { downloads: 0, counts: 0 };
  const files: string[] = [];
  const batches: string[] = [];
  run.env.fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await inner(request);
    if (!response.ok) return response;
    if (isResults(request)) {
      const first = !files.includes(request.url);
      if (first) files.push(request.url);
      const file = files.indexOf(request.url);
      const changes = mutations.results
        .filter((m) => m.file === file && (first || m.everyTry))
        .flatMap((m) => m.changes);
      if (changes.length === 0) return response;
      applied.downloads++;
      return mutateBody(response, changes);
    }
    if (isRetrieve(request)) {
      const batch = (await response.json()) as { id: string; processing_status: string };
      if (!batches.includes(batch.id)) batches.push(batch.id);
      const mine = mutations.counts.filter((m) => m.batch === batches.indexOf(batch.id));
      if (batch.processing_status === 'ended' && mine.length > 0) {
        for (const m of mine) mutateCounts(batch as unknown as Record<string, unknown>, m);
        applied.counts++;
      }
      return jsonResponse(batch, response);
    }
    return response;
  };
  return applied;
}

function jsonResponse(value: unknown, like: Response): Response {
  const headers = new Headers(like.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(value), { status: like.status, headers });
}

function mutateCounts(batch: Record<string, unknown>, m: CountsMutation): void {
  if (m.field === null) {
    if ('set' in m.value) setOrDelete(batch, 'request_counts', m.value.set);
    return;
  }
  const counts = batch.request_counts as Record<string, unknown>;
  if (typeof counts !== 'object' || counts === null) return;
  if ('set' in m.value) setOrDelete(counts, m.field, m.value.set);
  else if (typeof counts[m.field] === 'number') counts[m.field] = (counts[m.field] as number) + m.value.add;
}

function setOrDelete(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  if (value === MISSING) delete target[key];
  else target[key] = structuredClone(value);
}

async function mutateBody(response: Response, changes: readonly LineMutation[]): Promise<Response> {
  let lines = (await response.text()).split('\n');
  if (lines.at(-1) === '') lines.pop();
  let ending: { keepShare: number; drop: boolean } | null = null;
  for (const change of changes) {
    if (change.kind === 'empty_body') lines = [];
    else if (change.kind === 'truncate_body' || change.kind === 'drop_connection')
      ending = { keepShare: change.keepShare, drop: change.kind === 'drop_connection' };
    else if (lines.length > 0) lines = mutateLine(lines, change);
  }
  const text = lines.map((line) => `${line}\n`).join('');
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  if (ending === null) return new Response(text, { status: response.status, headers });
  const bytes = new TextEncoder().encode(text);
  const kept = bytes.subarray(0, Math.floor(bytes.length * ending.keepShare));
  const drop = ending.drop;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (kept.length > 0) controller.enqueue(kept);
      // A dropped connection errors the stream; a truncated body just ends early.
      if (drop) controller.error(new TypeError('terminated: other side closed'));
      else controller.close();
    },
  });
  return new Response(body, { status: response.status, headers });
}

function mutateLine(
  lines: string[],
  change: Exclude<LineMutation, { kind: 'empty_body' | 'truncate_body' | 'drop_connection' }>,
): string[] {
  const i = change.at % lines.length;
  const line = lines[i]!;
  const out = [...lines];
  switch (change.kind) {
    case 'not_json':
      out[i] = change.text;
      break;
    case 'json_not_object':
      out[i] = JSON.stringify(change.value);
      break;
    case 'blank_line':
      out.splice(i, 0, change.text);
      break;
    case 'cut_line':
      out[i] = line.slice(0, Math.max(1, Math.floor(line.length * change.keepShare)));
      break;
    case 'duplicate':
      out.splice(i, 0, line);
      break;
    case 'set_field':
      out[i] = setPath(line, change.path, change.value);
      break;
  }
  return out;
}

/** The line with the field at `path` set (or removed); a line that is not an object there is left alone. */
function setPath(line: string, path: readonly (string | number)[], value: unknown): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  let target = parsed;
  for (const key of path.slice(0, -1)) {
    if (typeof target !== 'object' || target === null) return line;
    target = (target as Record<string | number, unknown>)[key];
  }
  if (typeof target !== 'object' || target === null) return line;
  setOrDelete(target as Record<string | number, unknown>, path.at(-1)!, value);
  return JSON.stringify(parsed);
}
