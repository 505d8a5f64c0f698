import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

// HTTP from tests to the gateways. Node's fetch takes Host from the URL and ignores a `host`
// header, but gateways route by Host, so this speaks node:http and sets Host as given.

export interface SendOptions {
  method?: string;
  /** The Host header (default: the URL's host:port). */
  host?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  timeoutMs?: number;
}

export interface SendResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json<T = unknown>(): T;
}

/** `send(mesh.ingressUrl, '/productpage', { host: 'bookinfo.example.com' })` */
export function send(baseUrl: string, path: string, opts: SendOptions = {}): Promise<SendResult> {
  const u = new URL(baseUrl);
  const headers: Record<string, string | string[]> = { ...opts.headers };
  if (opts.host !== undefined) headers.host = opts.host;
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers, timeout: opts.timeoutMs ?? 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: <T>() => {
            try {
              return JSON.parse(body) as T;
            } catch {
              return undefined as T;
            }
          },
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${baseUrl}${path}: no answer within ${opts.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
