import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { cutBody } from '../../src/sim/http/responses.js';
import type { SimRun } from './pipeline-harness.js';

/*
 * Taps on a simulated run's fetch, for faults the world cannot yet make itself or cannot aim at
 * one call: they count what the pipeline sends, lose or refuse a response, misreport a batch's
 * counts, cut a download, or record and rewrite the results files it downloads.
 */

/** Whether `request` creates a batch. */
const isCreate = (request: Request): boolean =>
  request.method === 'POST' && new URL(request.url).pathname === '/v1/messages/batches';

/** Count the calls the pipeline makes to the API. */
export function countCalls(run: SimRun): () => number {
  const inner = run.env.fetch;
  let calls = 0;
  run.env.fetch = (input, init) => {
    calls++;
    return inner(input, init);
  };
  return () => calls;
}

/** Record the custom_ids of every request the pipeline sends in a create, as it sends them. */
export function recordCreatedIds(run: SimRun): string[] {
  const inner = run.env.fetch;
  const ids: string[] = [];
  run.env.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (isCreate(request)) {
      const body = (await request.clone().json()) as { requests: { custom_id: string }[] };
      ids.push(...body.requests.map((r) => r.custom_id));
    }
    return inner(request);
  };
  return ids;
}

/**
 * Lose the response to the first create: the world makes the batch, the pipeline sees a network
 * error. Returns a getter for the id of the batch whose response was lost (null until then).
 */
export function loseFirstCreateResponse(run: SimRun): () => string | null {
  const inner = run.env.fetch;
  let lost: string | null = null;
  run.env.fetch = async (input, init) => {
    const response = await inner(input, init);
    if (lost === null && isCreate(new Request(input, init))) {
      lost = ((await response.json()) as { id: string }).id;
      throw new TypeError('fetch failed');
    }
    return response;
  };
  return () => lost;
}

/**
 * Answer creates with an API error of `status` and `type` instead of passing them on, so the
 * world makes no batch, while `refusing()` says so. Returns the number of creates answered so.
 */
export function refuseCreates(
  run: SimRun,
  status: number,
  type: string,
  refusing: () => boolean = () => true,
): () => number {
  const inner = run.env.fetch;
  let refused = 0;
  run.env.fetch = async (input, init) => {
    if (!isCreate(new Request(input, init)) || !refusing()) return inner(input, init);
    refused++;
    return apiError(status, type);
  };
  return () => refused;
}

/** An API error response as the API shapes it, its message saying the test refused the call. */
function apiError(status: number, type: string): Response {
  const body = { type: 'error', error: { type, message: `refused by the test (${status})` } };
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * Answer the first request for a results file with a 404 (not a status the pipeline's call
 * retries), so that download fails before its first line. Returns the number answered so.
 */
export function refuseFirstResultsDownload(run: SimRun): () => number {
  const inner = run.env.fetch;
  let refused = 0;
  run.env.fetch = async (input, init) => {
    if (refused > 0 || !new Request(input, init).url.endsWith('/results')) return inner(input, init);
    refused++;
    return apiError(404, 'not_found_error');
  };
  return () => refused;
}

/** Whether `request` retrieves one batch. */
const isRetrieve = (request: Request): boolean =>
  request.method === 'GET' && /^\/v1\/messages\/batches\/[^/]+$/.test(new URL(request.url).pathname);

/**
 * Answer the retrieves `refuse` picks (by their number, from 1) with a 404, as a read reaching a
 * replica that has not seen the batch would. Returns the number answered so.
 */
export function notFoundOnRetrieves(run: SimRun, refuse: (n: number) => boolean): () => number {
  return refuseRetrieves(run, 404, 'not_found_error', refuse);
}

/** Answer the retrieves `refuse` picks (by their number, from 1; all by default) with an API error. */
export function refuseRetrieves(
  run: SimRun,
  status: number,
  type: string,
  refuse: (n: number) => boolean = () => true,
): () => number {
  const inner = run.env.fetch;
  let retrieves = 0;
  let refused = 0;
  run.env.fetch = async (input, init) => {
    if (!isRetrieve(new Request(input, init)) || !refuse(++retrieves)) return inner(input, init);
    refused++;
    return apiError(status, type);
  };
  return () => refused;
}

/** Pass every batch the API returns from a retrieve through `rewrite`, which may change it in place. */
function rewriteRetrieves(run: SimRun, rewrite: (batch: MessageBatch) => void): void {
  const inner = run.env.fetch;
  run.env.fetch = async (input, init) => {
    const response = await inner(input, init);
    if (!isRetrieve(new Request(input, init)) || !response.ok) return response;
    const batch = (await response.json()) as MessageBatch;
    rewrite(batch);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(batch), { status: response.status, headers });
  };
}

/**
 * Have the API report the first batch that ends with one succeeded request fewer than it was
 * given, every time it is retrieved. Returns a getter for that batch's id (null until then).
 */
export function undercountFirstEndedBatch(run: SimRun): () => string | null {
  let undercounted: string | null = null;
  rewriteRetrieves(run, (batch) => {
    if (batch.processing_status === 'ended' && (undercounted ?? batch.id) === batch.id) {
      undercounted = batch.id;
      batch.request_counts.succeeded -= 1;
    }
  });
  return () => undercounted;
}

/**
 * Report every batch as still processing, as a batch stuck on the API's side would be, while
 * `holding(batchId)` says so. Returns the number of retrieves answered so.
 */
export function holdBatchesProcessing(
  run: SimRun,
  holding: (batchId: string) => boolean = () => true,
): () => number {
  let held = 0;
  rewriteRetrieves(run, (batch) => {
    if (!holding(batch.id)) return;
    held++;
    const c = batch.request_counts;
    const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired;
    Object.assign(batch, { processing_status: 'in_progress', ended_at: null, results_url: null });
    batch.request_counts = { processing: total, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  });
  return () => held;
}

/** Pass the lines of every results file the pipeline downloads through `rewrite`. */
export function rewriteResults(run: SimRun, rewrite: (lines: string[]) => string[]): void {
  const inner = run.env.fetch;
  run.env.fetch = async (input, init) => {
    const response = await inner(input, init);
    if (!new Request(input, init).url.endsWith('/results') || !response.ok) return response;
    const lines = (await response.text()).split('\n').filter((line) => line !== '');
    const body = rewrite(lines)
      .map((line) => `${line}\n`)
      .join('');
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/** One download of a results file: which file (0 for the first the run fetched) and which try at it (from 1). */
export interface ResultsDownload {
  file: number;
  attempt: number;
}

/**
 * Cut in the middle of a line the results downloads `cut` picks, as a dropped connection would.
 * Returns the downloads cut.
 */
export function cutResultsDownloads(
  run: SimRun,
  cut: (download: ResultsDownload) => boolean,
): ResultsDownload[] {
  const inner = run.env.fetch;
  const files: string[] = [];
  const tries = new Map<string, number>();
  const cuts: ResultsDownload[] = [];
  run.env.fetch = async (input, init) => {
    const response = await inner(input, init);
    const url = new Request(input, init).url;
    if (!url.endsWith('/results') || !response.ok) return response;
    if (!files.includes(url)) files.push(url);
    tries.set(url, (tries.get(url) ?? 0) + 1);
    const download = { file: files.indexOf(url), attempt: tries.get(url)! };
    if (!cut(download)) return response;
    cuts.push(download);
    return cutBody(response, 0.5);
  };
  return cuts;
}

const idOf = (line: string): string => JSON.parse(line).custom_id;

/** A custom_id of a row's first attempt (`…_1_<run tag>`, custom-ids.ts). */
export const isFirstAttempt = (customId: string): boolean => /_1_[0-9a-f]{6}$/.test(customId);

/** Record the custom_id order of every results file the pipeline downloads. */
export function recordResultOrder(run: SimRun): string[][] {
  const orders: string[][] = [];
  rewriteResults(run, (lines) => {
    orders.push(lines.map(idOf));
    return lines;
  });
  return orders;
}

/** Drop from every results file the lines whose custom_id `drop` picks. */
export function dropResultLines(run: SimRun, drop: (customId: string) => boolean): void {
  rewriteResults(run, (lines) => lines.filter((line) => !drop(idOf(line))));
}

/**
 * In the first main batch's results (first attempts, no golden rows) drop three lines, repeat
 * one, repeat one with a different label, and add one for an id the run never sent.
 */
export function tamperFirstMainResults(run: SimRun) {
  const tampered = { dropped: [] as string[], duplicated: '', conflicting: '', unknown: '' };
  rewriteResults(run, (lines) => {
    const pristine =
      lines.some((l) => idOf(l).startsWith('g_') || !isFirstAttempt(idOf(l))) || tampered.unknown;
    if (pristine) return lines;
    const [d1, d2, d3, duplicate, conflicting, other] = [...lines].sort((a, b) =>
      idOf(a) < idOf(b) ? -1 : 1,
    );
    const changed = JSON.parse(conflicting!);
    const block = changed.result.message.content[0];
    block.text = block.text.replace(/"label":"\w+"/, '"label":"neutral"');
    const unknown = { ...JSON.parse(other!), custom_id: 'r_rev-9999_1_000000' };
    Object.assign(tampered, {
      dropped: [d1, d2, d3].map((l) => idOf(l!)),
      duplicated: idOf(duplicate!),
      conflicting: idOf(conflicting!),
      unknown: unknown.custom_id,
    });
    const out = lines.filter((l) => l !== d1 && l !== d2 && l !== d3);
    return [...out, duplicate!, JSON.stringify(changed), JSON.stringify(unknown)];
  });
  return tampered;
}
