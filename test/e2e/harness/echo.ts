import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real upstream for end-to-end tests (DESIGN.md "Tests and measurements": real HTTP servers on
// 127.0.0.1 that report who answered and what they received). Every answer is JSON
// `{server, method, path, headers, body}` with header `x-echo-server: NAME`, unless a query asks
// otherwise:
//   ?status=N  answer with status N (body still the JSON echo)
//   ?delay=MS  wait MS milliseconds before answering (the request counts on arrival)
//   ?size=N    answer with a body of exactly N bytes ('x' repeated, text/plain) instead of JSON

export interface EchoRequest {
  server: string;
  method: string;
  /** The raw request target, with the query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EchoServer {
  name: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1` */
  address: string;
  port: number;
  /** Requests received so far (counted on arrival). */
  readonly count: number;
  /** Every request received, in order. */
  readonly requests: readonly EchoRequest[];
  /** Forget the requests seen so far. */
  reset(): void;
  close(): Promise<void>;
}

export async function echoServer(name: string): Promise<EchoServer> {
  const requests: EchoRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: EchoRequest = { server: name, method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const q = new URL(rec.path, 'http://echo.invalid').searchParams;
      const status = clampInt(q.get('status'), 200, 100, 599);
      const delay = clampInt(q.get('delay'), 0, 0, 600_000);
      const size = q.has('size') ? clampInt(q.get('size'), 0, 0, 256 * 1024 * 1024) : undefined;
      const answer = () => {
        if (res.destroyed) return;
        const headers = { 'x-echo-server': name };
        if (size !== undefined) {
          res.writeHead(status, { ...headers, 'content-type': 'text/plain', 'content-length': String(size) });
          res.end(Buffer.alloc(size, 'x'));
        } else {
          const body = JSON.stringify(rec);
          res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
          res.end(body);
        }
      };
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    address: '127.0.0.1',
    port,
    get count() {
      return requests.length;
    },
    get requests() {
      return requests;
    },
    reset: () => void (requests.length = 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function clampInt(v: string | null, dflt: number, min: number, max: number): number {
  if (v === null || v === '') return dflt;
  const n = Number(v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}
