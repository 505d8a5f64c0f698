import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { KINDS } from '../../../src/config/kinds/registry.ts';
import { loadIdentities, loadManifest } from '../../../src/config/manifest.ts';
import type { Issue } from '../../../src/config/issues.ts';

// A fake of the admin API *server*, for the CLI's tests only: a real Node HTTP server on
// 127.0.0.1:0 that answers the paths the CLI calls with the real server's shapes (auth 401/403,
// `{errors:[…]}`, Kubernetes-style lists, /debug/syncz, /debug/config_dump, the /xds/ws
// WebSocket). The real server is tested in test/runtime.

export interface Stored {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace: string };
  [body: string]: unknown;
}

export interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: string;
}

export interface FakeAdmin {
  url: string;
  token: string;
  /** `group/kind/ns/name` → stored wire object */
  store: Map<string, Stored>;
  syncz: unknown[];
  dumps: Record<string, unknown>;
  requests: Recorded[];
  /** Answers instead of the fake's routes (after auth) when it returns something. */
  override?: (method: string, path: string) => { status: number; body: unknown } | undefined;
  /** Messages received on /xds/ws. */
  wsMessages: unknown[];
  /** Sends the current dump of `proxy` as a `full` response to every open WebSocket. */
  push(proxy: string): void;
  /** Resolves when a WebSocket has sent its first message. */
  wsConnected(): Promise<void>;
  seed(yaml: string, creationTimestamp?: string): void;
  close(): Promise<void>;
}

const servers: FakeAdmin[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const keyOf = (group: string, kind: string, ns: string, name: string) => `${group}/${kind}/${ns}/${name}`;
const errorBody = (issues: readonly Issue[]) => ({
  errors: issues.filter((i) => i.severity === 'error').map(({ document, kind, namespace, name, path, line, column, message }) => ({ document, kind, namespace, name, path, line, column, message })),
});

export async function startFakeAdmin(opts: { token?: string } = {}): Promise<FakeAdmin> {
  const token = opts.token ?? 'test-token';
  let version = 0;
  const sockets = new Set<Socket>();
  const wsClients = new Set<Socket>();
  let onWs: (() => void)[] = [];

  const fake: FakeAdmin = {
    url: '',
    token,
    store: new Map(),
    syncz: [],
    dumps: {},
    requests: [],
    wsMessages: [],
    push(proxy) {
      const dump = fake.dumps[proxy] as { snapshot: unknown };
      for (const s of wsClients) s.write(wsFrame(JSON.stringify({ kind: 'full', nonce: randomUUID(), snapshot: dump.snapshot })));
    },
    wsConnected: () => new Promise((resolve) => (fake.wsMessages.length ? resolve() : onWs.push(resolve))),
    seed(yaml, creationTimestamp = new Date().toISOString()) {
      for (const r of loadManifest(yaml).resources) {
        const m = r.resource.metadata;
        fake.store.set(keyOf(r.def.group, r.def.kind, m.namespace, m.name), {
          apiVersion: r.resource.apiVersion,
          kind: r.def.kind,
          metadata: { ...m, resourceVersion: String(++version), generation: 1, uid: randomUUID(), creationTimestamp },
          [r.def.body]: r.resource.spec,
        });
      }
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, message: string) => send(res, status, { errors: [{ message }] });
  const authError = (header: string | undefined): [number, string] | undefined => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return [401, 'authentication required: send Authorization: Bearer <admin token>'];
    if (m[1] !== token) return [403, 'forbidden: the admin token is not valid'];
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    fake.requests.push({ method, path: `${url.pathname}${url.search}`, auth: req.headers.authorization, body });
    if (url.pathname === '/healthz') return void res.end('ok');
    const denied = authError(req.headers.authorization);
    if (denied) return fail(res, denied[0], denied[1]);
    const o = fake.override?.(method, url.pathname);
    if (o) return send(res, o.status, o.body);

    if (method === 'POST' && url.pathname === '/v1/apply') {
      const dryRun = url.searchParams.get('dryRun') === 'true';
      const { resources, issues } = loadManifest(body, { source: 'request', namespace: url.searchParams.get('namespace') ?? undefined });
      if (issues.some((i) => i.severity === 'error')) return send(res, 400, errorBody(issues));
      if (!resources.length) return fail(res, 400, 'the manifest holds no resources');
      const results = resources.map(({ resource: r, def, requestedApiVersion }) => {
        const key = keyOf(def.group, def.kind, r.metadata.namespace, r.metadata.name);
        const prior = fake.store.get(key);
        const same = prior && JSON.stringify(prior[def.body]) === JSON.stringify(r.spec) && JSON.stringify(prior.metadata.labels) === JSON.stringify(r.metadata.labels);
        const action = same ? 'unchanged' : prior ? 'configured' : 'created';
        if (!dryRun && !same) {
          const meta = { ...r.metadata, resourceVersion: String(++version), generation: 1, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
          fake.store.set(key, { apiVersion: r.apiVersion, kind: def.kind, metadata: meta, [def.body]: r.spec });
        }
        return { apiVersion: requestedApiVersion, kind: def.kind, namespace: r.metadata.namespace, name: r.metadata.name, resourceVersion: String(version), action };
      });
      return send(res, 200, { version: String(version), dryRun, results });
    }
    if (method === 'POST' && url.pathname === '/v1/delete') {
      const dryRun = url.searchParams.get('dryRun') === 'true';
      const { identities, issues } = loadIdentities(body, { source: 'request', namespace: url.searchParams.get('namespace') ?? undefined });
      if (issues.some((i) => i.severity === 'error')) return send(res, 400, errorBody(issues));
      const results = identities.map((i) => {
        const key = keyOf(i.def.group, i.def.kind, i.namespace, i.name);
        const found = fake.store.has(key);
        if (found && !dryRun) fake.store.delete(key);
        return { group: i.def.group, kind: i.def.kind, namespace: i.namespace, name: i.name, action: found ? 'deleted' : 'not-found' };
      });
      return send(res, 200, { version: String(version), dryRun, results });
    }
    const m = /^\/(?:apis\/([^/]+)\/([^/]+)|api\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (m) {
      const [, group = '', gVersion, coreVersion, ns, plural, name] = m;
      const ver = gVersion ?? coreVersion!;
      const def = KINDS.find((k) => k.group === group && k.plural === plural);
      if (!def || !def.versions.includes(ver)) return fail(res, 404, `the server could not find the requested resource: ${group ? `${group}/` : ''}${ver} ${plural}`);
      const wire = (s: Stored) => ({ ...s, apiVersion: group ? `${group}/${ver}` : ver });
      if (name === undefined && method === 'GET') {
        const items = [...fake.store.values()].filter((s) => s.kind === def.kind && s.apiVersion.startsWith(group) && (ns === undefined || s.metadata.namespace === ns)).map(wire);
        return send(res, 200, { apiVersion: group ? `${group}/${ver}` : ver, kind: `${def.kind}List`, metadata: { resourceVersion: String(version) }, items });
      }
      if (name !== undefined && ns !== undefined) {
        const key = keyOf(def.group, def.kind, ns, decodeURIComponent(name));
        const found = fake.store.get(key);
        if (!found) return fail(res, 404, `${def.plural} "${decodeURIComponent(name)}" not found in namespace ${ns}`);
        if (method === 'GET') return send(res, 200, wire(found));
        if (method === 'DELETE') {
          fake.store.delete(key);
          return send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: def.plural, group: def.group } });
        }
      }
    }
    if (method === 'GET' && url.pathname === '/debug/syncz') return send(res, 200, fake.syncz);
    if (method === 'GET' && url.pathname === '/debug/config_dump') {
      const proxy = url.searchParams.get('proxy');
      if (!proxy) return fail(res, 400, 'name the proxy: /debug/config_dump?proxy=ID (see /debug/syncz for ids)');
      const dump = fake.dumps[proxy];
      return dump ? send(res, 200, dump) : fail(res, 404, `proxy "${proxy}" has not connected; /debug/syncz lists the connected proxies`);
    }
    return fail(res, 404, `no such admin API route: ${method} ${url.pathname}`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // The ADS WebSocket, just enough of RFC 6455 for text frames.
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    fake.requests.push({ method: 'GET', path: req.url ?? '', auth: req.headers.authorization, body: '' });
    const denied = authError(req.headers.authorization);
    if (denied || req.url !== '/xds/ws') {
      socket.end(`HTTP/1.1 ${denied ? `${denied[0]} Denied` : '404 Not Found'}\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    wsClients.add(socket);
    socket.on('close', () => wsClients.delete(socket));
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const frame = readFrame(buf);
        if (!frame) break;
        buf = buf.subarray(frame.size);
        if (frame.opcode === 8) {
          socket.end(Buffer.from([0x88, 0]));
          return;
        }
        if (frame.opcode !== 1) continue;
        const msg = JSON.parse(frame.payload.toString('utf8')) as { node?: { id: string }; response_nonce?: string };
        fake.wsMessages.push(msg);
        for (const f of onWs.splice(0)) f();
        if (msg.node && !msg.response_nonce) {
          const proxy = msg.node.id.split('~')[1]!;
          const dump = fake.dumps[proxy] as { snapshot: unknown };
          socket.write(wsFrame(JSON.stringify({ kind: 'full', nonce: randomUUID(), snapshot: dump.snapshot })));
        } else {
          socket.write(wsFrame(JSON.stringify({ kind: 'not-modified', version_info: '' })));
        }
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(fake);
  return fake;
}

function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x81, 127]), bigLen(n)]);
  return Buffer.concat([head, payload]);
}

function bigLen(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function readFrame(buf: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < off + maskLen + len) return undefined;
  const mask = buf.subarray(off, off + maskLen);
  const payload = Buffer.from(buf.subarray(off + maskLen, off + maskLen + len));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { opcode, payload, size: off + maskLen + len };
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with captured output and the given environment. */
export async function runCli(argv: string[], opts: { env?: Record<string, string | undefined>; stdin?: string; cwd?: string; onOut?: (out: string) => void } = {}): Promise<RunResult> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: (t) => {
      out += t;
      opts.onOut?.(out);
    },
    stderr: (t) => void (err += t),
    readStdin: async () => opts.stdin ?? '',
    cwd: opts.cwd ?? process.cwd(),
    // Never the real ~/.meshgate: tests pass MESHGATE_HOME when they want a context file.
    env: { MESHGATE_HOME: '/nonexistent/meshgate-home', ...opts.env },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** `--server URL --token T` for a fake. */
export const on = (fake: FakeAdmin, token = fake.token) => ['--server', fake.url, '--token', token];
