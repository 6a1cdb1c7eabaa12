import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getResponse, type HttpHandler } from 'msw';
import type { BatchWorld } from '../world/batch-world.js';
import { notFoundResponse } from './api-handlers.js';
import { API_BODY_LIMITS, type BodyLimits, limitFor, readBody } from './request-body.js';
import { errorResponse } from './responses.js';

export interface SimServer {
  /** Base URL to hand a client, e.g. `http://127.0.0.1:4010`. */
  url: string;
  close(): Promise<void>;
}

export interface SimServerOptions {
  /** Request body limits, bytes; the API's own (256 MB for a create, 32 MB otherwise) by default. */
  limits?: Partial<BodyLimits>;
  /** A client that sends nothing for this long mid-body gets a 400 and its connection closed, ms. */
  bodyIdleMs?: number;
}

/** How long a body may pause, real ms: a slow link pauses for less, a client that gave up longer. */
export const BODY_IDLE_MS = 20_000;

/**
 * Serve the world over real HTTP with the same msw handlers the in-process fetch uses. Sets the
 * world's origin to the bound address so that `results_url` points back at this server. Bodies
 * are read in bounded memory (see readBody), and a client that stops sending one is answered.
 */
export async function startSimServer(
  world: BatchWorld,
  handlers: readonly HttpHandler[],
  port: number,
  host = '127.0.0.1',
  options: SimServerOptions = {},
): Promise<SimServer> {
  const limits = { ...API_BODY_LIMITS, ...options.limits };
  const connections = new Connections();
  const server = createServer((req, res) => {
    serveOne(world, handlers, limits, connections, req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  // Node's socket inactivity timer, so that no timer of our own is needed: it fires after this
  // long with no byte either way, and Connections decides what that means for the socket.
  server.timeout = options.bodyIdleMs ?? BODY_IDLE_MS;
  server.on('timeout', (socket: Socket) => connections.idle(socket));
  await listen(server, port, host);
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  world.origin = url;
  return {
    url,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** What each open socket is doing, so an idle one is answered, waited for or closed. */
class Connections {
  private readonly reading = new WeakMap<Socket, () => void>();
  private readonly answering = new WeakMap<Socket, ServerResponse>();

  /** Until `done`, the socket is reading a body; an idle spell calls `stall`. */
  readingBody(socket: Socket, stall: () => void): () => void {
    this.reading.set(socket, stall);
    return () => this.reading.delete(socket);
  }

  /** Until `res` closes, the socket is answering a request. */
  answeringWith(socket: Socket, res: ServerResponse): void {
    this.answering.set(socket, res);
    res.once('close', () => {
      if (this.answering.get(socket) === res) this.answering.delete(socket);
    });
  }

  idle(socket: Socket): void {
    const stall = this.reading.get(socket);
    // An answer is left to finish however slow: a delay fault makes it so, and a client may
    // pause between chunks of a results download. Anything else idle is closed: a kept-alive
    // connection, half-sent headers, a refused body's client that went quiet.
    if (stall) stall();
    else if (!this.answering.has(socket)) socket.destroy();
  }
}

async function serveOne(
  world: BatchWorld,
  handlers: readonly HttpHandler[],
  limits: BodyLimits,
  connections: Connections,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`;
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const [bytesMax, api] = limitFor(method, new URL(url).pathname, limits);
    let stall = () => {};
    const stalled = new Promise<void>((resolve) => {
      stall = resolve;
    });
    const done = connections.readingBody(req.socket, stall);
    const read = await readBody(req, bytesMax, api, stalled).finally(done);
    if (!read.ok) {
      lingerAfterAnswer(req.socket, bytesMax);
      return send(res, errorResponse(read.error, world.nextRequestId()), { connection: 'close' });
    }
    body = read.bytes;
  }
  connections.answeringWith(req.socket, res);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const request = new Request(url, { method, headers, body });
  const response = (await getResponse([...handlers], request)) ?? notFoundResponse(world);
  if (response.type === 'error') {
    res.destroy(); // a dropped connection: the client sees a reset
    return;
  }
  await send(res, response);
}

/**
 * Close a refused request's connection as nginx's lingering close does: send the answer and a
 * FIN, then discard what the client still sends until it stops (its own close, the idle timeout,
 * or `discardBytesMax` more bytes) and only then close. Node would close at once, and closing
 * with the client's bytes unread sends a reset, which can destroy the answer before it is read.
 */
function lingerAfterAnswer(socket: Socket, discardBytesMax: number): void {
  let discarded = 0;
  socket.destroySoon = () => socket.end();
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > discardBytesMax) socket.destroy();
  });
}

async function send(res: ServerResponse, response: Response, extra: Record<string, string> = {}) {
  res.writeHead(response.status, { ...Object.fromEntries(response.headers), ...extra });
  if (response.body) {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
  }
  res.end();
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
