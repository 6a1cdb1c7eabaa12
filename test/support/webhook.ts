import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertPayload } from '../../src/pipeline/alerts/alert-payload.js';

/** One POST a webhook received: its headers, its body as sent and as parsed. */
export interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: AlertPayload;
}

/**
 * A webhook on a free local port, reached over the real network; `answer` says what each request
 * gets (default 200), or null for no answer ever. `close` ends it and every connection to it.
 */
export async function webhookReceiver(answer: (n: number) => number | null = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) as AlertPayload });
      const status = answer(received.length);
      if (status !== null) res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-path`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url, received, close };
}

/** A URL where nothing listens: a port that was free a moment ago. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/hook`;
}
