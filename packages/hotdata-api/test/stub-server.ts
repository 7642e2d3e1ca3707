import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One scripted answer of the stub server. */
export type StubAnswer =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Reads the request, then closes the connection without answering (a lost response). */
  | 'drop-after-read'
  /** Reads the request and never answers (a request timeout on the client side). */
  | 'hang';

export interface StubRequest {
  method: string;
  url: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  bytes: Buffer;
}

/**
 * A loopback HTTP server answering from a script, for transport-level tests (status codes, dropped
 * connections, hangs). The client under test is real; only the server is scripted.
 */
export async function startStubServer(answer: (request: StubRequest, index: number) => StubAnswer) {
  const requests: StubRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://stub.invalid');
    const request: StubRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: bytes.toString(),
      bytes,
    };
    requests.push(request);
    const reply = answer(request, requests.length - 1);
    if (reply === 'drop-after-read') {
      req.socket.destroy();
      return;
    }
    if (reply === 'hang') return;
    const payload =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string' || Buffer.isBuffer(reply.body)
          ? reply.body
          : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(payload);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type StubServer = Awaited<ReturnType<typeof startStubServer>>;

/** A loopback port with nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
