import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { adminHandlers } from '../src/sim/http/admin-handlers.js';
import { apiHandlers } from '../src/sim/http/api-handlers.js';
import { API_BODY_LIMITS } from '../src/sim/http/request-body.js';
import {
  BODY_IDLE_MS,
  type SimServer,
  type SimServerOptions,
  startSimServer,
} from '../src/sim/http/sim-server.js';
import { SimClock } from '../src/sim/sim-clock.js';
import { BatchWorld } from '../src/sim/world/batch-world.js';
import { reviewRequests } from './support/requests.js';
import { startServe } from './support/serve-process.js';

/*
 * The simulated API's request bodies over real HTTP and real sockets: a body over its route's
 * limit is refused with the API's 413 by its declared Content-Length before it is read, or by
 * its count as it streams, and a body that stops arriving is answered within a bounded time
 * while the server goes on serving others. Limits are small here so that the tests stay fast;
 * the deep test below sends the real sizes to `batchguard serve`.
 */

const CREATE_BYTES_MAX = 100_000;
const OTHER_BYTES_MAX = 20_000;
const IDLE_MS = 300;
/** Each test's own timeout: a server that hangs fails it in seconds, not at the suite's 30 s. */
const TIMEOUT_MS = 5_000;

let open: { server: SimServer; world: BatchWorld } | undefined;
afterEach(async () => {
  await open?.server.close();
  open?.world.dispose();
  open = undefined;
});

async function serve(options: SimServerOptions = {}) {
  const clock = new SimClock();
  const world = new BatchWorld({ seed: 5, clock });
  const handlers = [...adminHandlers(world, clock), ...apiHandlers(world)];
  const server = await startSimServer(world, handlers, 0, '127.0.0.1', {
    limits: { createBytesMax: CREATE_BYTES_MAX, otherBytesMax: OTHER_BYTES_MAX },
    bodyIdleMs: IDLE_MS,
    ...options,
  });
  open = { server, world };
  return { server, world };
}

const API_HEADERS = 'x-api-key: k\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n';

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
  /** Real ms from the first byte sent to the connection's close. */
  closedAfterMs: number;
}

/**
 * Send `head` (a request line and headers) then each chunk of `body` on a raw socket, `pauseMs`
 * apart, and read what comes back until the server closes the connection. Writes after the
 * server closed are dropped, as a client that keeps sending would find.
 */
function raw(url: string, head: string, body: readonly (string | Buffer)[] = [], pauseMs = 0) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let received = '';
  let closed = false;
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  const answer = new Promise<RawAnswer>((resolve) => {
    socket.on('close', () => {
      closed = true;
      const [headers = '', rest = ''] = received.split('\r\n\r\n');
      resolve({
        status: Number(headers.split(' ')[1]),
        headers,
        body: /transfer-encoding: chunked/i.test(headers) ? unchunk(rest) : rest,
        closedAfterMs: Date.now() - started,
      });
    });
  });
  const sending = (async () => {
    socket.write(head);
    for (const chunk of body) {
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      if (closed) return;
      socket.write(chunk);
    }
  })();
  return { answer, sending, socket };
}

/** The data of a chunked body. */
function unchunk(text: string): string {
  let data = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !(size > 0)) return data;
    data += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** A chunk of chunked transfer encoding. */
const chunk = (data: string | Buffer) =>
  Buffer.concat([
    Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n`),
    Buffer.from(data),
    Buffer.from('\r\n'),
  ]);

const envelope = (body: string) =>
  JSON.parse(body) as { type: string; error: { type: string; message: string }; request_id: string };

describe('serve refuses a body over its limit', () => {
  it(
    'by its declared Content-Length, before reading it: a 413 with the API envelope at once, then the connection closes',
    async () => {
      const { server } = await serve();
      const { answer } = raw(
        server.url,
        `POST /v1/messages/batches HTTP/1.1\r\nhost: x\r\n${API_HEADERS}content-length: 300000000\r\n\r\n`,
        ['{"requests":'],
      );
      const got = await answer;
      expect(got.status).toBe(413);
      const body = envelope(got.body);
      expect(body).toMatchObject({
        type: 'error',
        error: {
          type: 'request_too_large',
          message:
            'Request exceeds the maximum allowed number of bytes. The maximum request size is 0.1 MB for the Message Batches API.',
        },
      });
      expect(got.headers).toContain(`request-id: ${body.request_id}`);
      expect(got.headers.toLowerCase()).toContain('connection: close');
      // Answered without waiting for the 300 MB (nor for the idle timeout).
      expect(got.closedAfterMs).toBeLessThan(IDLE_MS);
    },
    TIMEOUT_MS,
  );

  it(
    'by its count as a chunked body streams, answering before the client has finished sending',
    async () => {
      const { server } = await serve();
      const piece = chunk('x'.repeat(16_384));
      // Eight pieces pass the 100,000-byte limit; the client would send 64 and never end the body.
      const { answer } = raw(
        server.url,
        `POST /v1/messages/batches HTTP/1.1\r\nhost: x\r\n${API_HEADERS}transfer-encoding: chunked\r\n\r\n`,
        Array.from({ length: 64 }, () => piece),
        5,
      );
      const got = await answer;
      expect(got.status).toBe(413);
      expect(envelope(got.body).error.type).toBe('request_too_large');
      expect(got.closedAfterMs).toBeLessThan(64 * 5);
    },
    TIMEOUT_MS,
  );

  it(
    'holds other routes to their own limit: count_tokens and messages at 32 MB (here 20,000 bytes)',
    async () => {
      const { server } = await serve();
      for (const [path, api] of [
        ['/v1/messages/count_tokens', 'Token Counting API'],
        ['/v1/messages', 'Messages API'],
      ] as const) {
        const got = await raw(
          server.url,
          `POST ${path} HTTP/1.1\r\nhost: x\r\n${API_HEADERS}content-length: 20001\r\n\r\n`,
        ).answer;
        expect(got.status).toBe(413);
        expect(envelope(got.body).error.message).toContain(`0.02 MB for the ${api}.`);
      }
      // A create of the same size is within its own, larger limit.
      const create = JSON.stringify({ requests: reviewRequests(1) }).padEnd(20_001, ' ');
      const created = await fetch(`${server.url}/v1/messages/batches`, {
        method: 'POST',
        headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: create,
      });
      expect(created.status).toBe(200);
    },
    TIMEOUT_MS,
  );

  it(
    'accepts a body of exactly the limit, and the SDK reads the 413 of one byte more',
    async () => {
      const { server } = await serve();
      const client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
      const fill = (bytes: number) => {
        const body = { requests: reviewRequests(3) };
        const base = Buffer.byteLength(JSON.stringify(body));
        body.requests[0]!.params.messages[0]!.content += 'y'.repeat(bytes - base);
        expect(Buffer.byteLength(JSON.stringify(body))).toBe(bytes);
        return body;
      };
      const created = await client.messages.batches.create(fill(CREATE_BYTES_MAX));
      expect(created.request_counts.processing).toBe(3);
      const refused = await client.messages.batches
        .create(fill(CREATE_BYTES_MAX + 1))
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Anthropic.APIError);
      expect((refused as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
      expect((refused as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        error: { type: 'request_too_large' },
      });
    },
    TIMEOUT_MS,
  );
});

describe("serve's own limits", () => {
  it(
    "are the API's: 256 MB for a create and 32 MB for the rest, by declared size, with a bounded idle time",
    async () => {
      const { server } = await serve({ limits: {}, bodyIdleMs: undefined });
      expect(API_BODY_LIMITS).toEqual({ createBytesMax: 256_000_000, otherBytesMax: 32_000_000 });
      expect(BODY_IDLE_MS).toBeLessThanOrEqual(60_000);
      for (const [path, bytes, words] of [
        ['/v1/messages/batches', 256_000_001, '256 MB for the Message Batches API.'],
        ['/v1/messages/count_tokens', 32_000_001, '32 MB for the Token Counting API.'],
      ] as const) {
        const got = await raw(
          server.url,
          `POST ${path} HTTP/1.1\r\nhost: x\r\n${API_HEADERS}content-length: ${bytes}\r\n\r\n`,
        ).answer;
        expect(got.status).toBe(413);
        expect(envelope(got.body).error.message).toContain(words);
      }
    },
    TIMEOUT_MS,
  );
});

describe('serve answers a body that stops arriving', () => {
  it(
    'with a 400 naming what came, within the idle time, and goes on serving others meanwhile',
    async () => {
      const { server, world } = await serve();
      const { answer } = raw(
        server.url,
        `POST /v1/messages/batches HTTP/1.1\r\nhost: x\r\n${API_HEADERS}content-length: 5000\r\n\r\n`,
        ['{"requests":'],
      );
      // While that client is silent, another creates a batch and reads the clock.
      const client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
      const created = await client.messages.batches.create({ requests: reviewRequests(2) });
      expect((await fetch(`${server.url}/_sim/clock`)).status).toBe(200);

      const got = await answer;
      expect(got.status).toBe(400);
      expect(envelope(got.body).error).toEqual({
        type: 'invalid_request_error',
        message:
          'The request body stopped arriving: 12 bytes of the 5000 its Content-Length declared came, then nothing. Send the whole body, or no Content-Length larger than it.',
      });
      expect(got.closedAfterMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
      expect(got.closedAfterMs).toBeLessThan(IDLE_MS * 5);
      expect(world.list({ limit: null, after_id: null, before_id: null }).data.map((b) => b.id)).toEqual([
        created.id,
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    'waits for a body that arrives slowly but steadily, each pause shorter than the idle time',
    async () => {
      const { server } = await serve();
      const body = JSON.stringify({ requests: reviewRequests(1) });
      const parts = [body.slice(0, 40), body.slice(40, 200), body.slice(200)];
      const { answer } = raw(
        server.url,
        `POST /v1/messages/batches HTTP/1.1\r\nhost: x\r\n${API_HEADERS}connection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`,
        parts,
        IDLE_MS / 2,
      );
      const got = await answer;
      expect(got.status).toBe(200);
      expect(got.closedAfterMs).toBeGreaterThanOrEqual(IDLE_MS);
    },
    TIMEOUT_MS,
  );
});

const DEEP = process.env.BATCHGUARD_DEEP === '1';
const PROC = existsSync('/proc/self/status');

/** A process's peak resident set so far, MB (Linux's VmHWM). */
const peakRssMb = (pid: number): number =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

/** Stream `mb` megabytes of body after `head`, as fast as the server takes them, until it closes. */
async function flood(url: string, head: string, mb: number, frame: (piece: Buffer) => Buffer) {
  const piece = frame(Buffer.alloc(1_000_000, 120));
  const { answer, socket } = raw(url, head);
  let closed = false;
  socket.on('close', () => {
    closed = true;
  });
  for (let i = 0; i < mb && !closed; i++) {
    if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r).once('close', r));
  }
  return answer;
}

describe.runIf(DEEP && PROC)('batchguard serve, sent the sizes of the issue (test:deep)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGINT');
  });

  it('refuses 300 MB and 700 MB bodies with 413 and stays within tens of MB of where it started', async () => {
    const served = await startServe();
    child = served.child;
    const pid = served.child.pid!;
    const before = peakRssMb(pid);
    const head = (length: string) =>
      `POST /v1/messages/batches HTTP/1.1\r\nhost: x\r\n${API_HEADERS}${length}\r\n\r\n`;
    for (const mb of [300, 700]) {
      const got = await flood(served.url, head(`content-length: ${mb * 1_000_000}`), mb, (p) => p);
      expect(got, String(mb)).toMatchObject({ status: 413 });
    }
    const declared = peakRssMb(pid);
    console.log(
      `[deep] serve's peak RSS: ${before.toFixed(0)} MB at start, ${declared.toFixed(0)} MB after 300 and 700 MB declared bodies`,
    );
    expect(declared - before).toBeLessThan(64);
    // A chunked body declares nothing: it is counted, and held only up to the 256 MB limit.
    const frame = (p: Buffer) =>
      Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]);
    const got = await flood(served.url, head('transfer-encoding: chunked'), 700, frame);
    expect(got.status).toBe(413);
    const chunked = peakRssMb(pid);
    console.log(`[deep] serve's peak RSS after a 700 MB chunked body: ${chunked.toFixed(0)} MB`);
    expect(chunked - before).toBeLessThan(256 + 128);
  }, 120_000);
});
