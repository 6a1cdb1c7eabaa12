import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse, type HttpHandler } from 'msw';
import type { BatchWorld } from '../world/batch-world.js';
import { notFoundResponse } from './api-handlers.js';

export interface SimServer {
  /** Base URL to hand a client, e.g. `http://127.0.0.1:4010`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serve the world over real HTTP with the same msw handlers the in-process fetch uses. Sets the
 * world's origin to the bound address so that `results_url` points back at this server.
 */
export async function startSimServer(
  world: BatchWorld,
  handlers: readonly HttpHandler[],
  port: number,
  host = '127.0.0.1',
): Promise<SimServer> {
  const server = createServer((req, res) => {
    serveOne(world, handlers, req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
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

async function serveOne(
  world: BatchWorld,
  handlers: readonly HttpHandler[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = req.method ?? 'GET';
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
  });
  const response = (await getResponse([...handlers], request)) ?? notFoundResponse(world);
  if (response.type === 'error') {
    res.destroy(); // a dropped connection: the client sees a reset
    return;
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
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
