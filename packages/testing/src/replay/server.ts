import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the replay server saw it (body parsed as text). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** What a route handler answers. `drop` closes the connection without a response. */
export type ReplayResponse =
  | {
      status?: number;
      headers?: Record<string, string>;
      /** Objects are sent as JSON; strings and buffers verbatim. */
      body?: unknown;
    }
  | { drop: true };

export type ReplayHandler = (request: RecordedRequest) => ReplayResponse | Promise<ReplayResponse>;

/** A scripted fault answered instead of the route, once, for requests matching `match`. */
export interface ScriptedFault {
  match?: (request: RecordedRequest) => boolean;
  response: ReplayResponse;
}

export interface ReplayServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Queue faults; each is used once by the first matching request. */
  fail(...faults: ScriptedFault[]): void;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server for tests of sources and clients: routes serve recorded or generated
 * responses, `fail()` scripts rate limits, 5xx, auth errors and dropped connections. Listens on
 * 127.0.0.1 with a free port; nothing leaves the machine.
 */
export async function startReplayServer(handler: ReplayHandler): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const faults: ScriptedFault[] = [];
  const sockets = new Set<Socket>();

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(request);
    const faultIndex = faults.findIndex((fault) => fault.match?.(request) ?? true);
    let response: ReplayResponse;
    try {
      response = faultIndex >= 0 ? faults.splice(faultIndex, 1)[0]!.response : await handler(request);
    } catch (error) {
      response = { status: 500, body: { error: String(error) } };
    }
    if ('drop' in response) {
      req.socket.destroy();
      return;
    }
    const headers = { ...response.headers };
    let payload: string | Buffer = '';
    if (Buffer.isBuffer(response.body) || typeof response.body === 'string') payload = response.body;
    else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    res.writeHead(response.status ?? 200, headers);
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
    fail(...next) {
      faults.push(...next);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
