import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// Real HTTP upstreams on 127.0.0.1 that report who answered and what they received, and a
// client that can set Host (fetch cannot).

export interface Received {
  server: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Upstream {
  name: string;
  port: number;
  received: Received[];
  /** Requests held by `?hold=1`, not answered yet. */
  readonly held: number;
  /** Answers every held request, and from now on answers `?hold=1` at once. */
  release(): void;
  close(): Promise<void>;
}

/**
 * `?status=N`, `?delay=ms` and `?fail=N` (first N requests answer 503) steer the answer; `?reset=1`
 * drops the connection without an answer; `?hold=1`
 * holds it until `release()` (a request that stays in flight however slow the machine is).
 */
export async function upstream(name: string, defaults: { status?: number } = {}): Promise<Upstream> {
  const received: Received[] = [];
  let failed = 0;
  let holding = true;
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ server: name, method: req.method!, url: req.url!, headers: req.headers, body });
      const u = new URL(req.url!, 'http://x');
      const fail = Number(u.searchParams.get('fail') ?? 0);
      const status = fail > failed ? (failed++, 503) : Number(u.searchParams.get('status') ?? defaults.status ?? 200);
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': name });
        res.end(JSON.stringify({ server: name, url: req.url, host: req.headers.host }));
      };
      if (u.searchParams.get('reset') === '1') req.socket.destroy(); // no answer at all: the connection drops
      else if (holding && u.searchParams.get('hold') === '1') held.push(answer);
      else setTimeout(answer, Number(u.searchParams.get('delay') ?? 0));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    received,
    get held() {
      return held.length;
    },
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to `base` with an explicit Host header (fetch takes Host from the URL); fails after `timeoutMs` (15 s). */
export function send(base: string, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const u = new URL(base);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? 'app.example.com', ...opts.headers }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${base}${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/** Polls until `check` holds (or fails after `ms`). */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  let last: T = await fn();
  while (!check(last)) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms; last value: ${JSON.stringify(last).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await fn();
  }
  return last;
}
