import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { buildPushContext } from '../../../src/xds/push-context.ts';
import { generateSnapshot } from '../../../src/xds/generate.ts';
import { compileSnapshot, type CompiledConfig } from '../../../src/gateway/compile.ts';
import { handle } from '../../../src/gateway/pipeline.ts';
import { UpstreamState } from '../../../src/gateway/upstream/index.ts';
import { testRuntime } from '../../../src/gateway/runtime.ts';

// The gateway pipeline on Node against real HTTP servers on 127.0.0.1: Istio config in,
// requests through `handle`, what the upstream saw checked. (The same pipeline runs in workerd
// in the e2e tests.)

interface Seen { server: string; method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }
const seen: Seen[] = [];
const servers: Server[] = [];
const ports: Record<string, number> = {};

function upstream(name: string, behave: (url: URL) => { status?: number; delayMs?: number; headers?: Record<string, string> } = () => ({})) {
  return new Promise<void>((resolve) => {
    const s = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ server: name, method: req.method!, url: req.url!, headers: req.headers, body });
        const b = behave(new URL(req.url!, 'http://x'));
        setTimeout(() => {
          res.writeHead(b.status ?? 200, { 'content-type': 'application/json', 'x-upstream': name, ...b.headers });
          res.end(JSON.stringify({ server: name, url: req.url }));
        }, b.delayMs ?? 0);
      });
    });
    s.listen(0, '127.0.0.1', () => {
      ports[name] = (s.address() as AddressInfo).port;
      servers.push(s);
      resolve();
    });
  });
}

/** `?grpc=N`: a trailers-only gRPC answer; `?ratelimited`: an `x-envoy-ratelimited` header. */
function upstreamHeaders(u: URL): Record<string, string> {
  const h: Record<string, string> = {};
  if (u.searchParams.has('grpc')) Object.assign(h, { 'content-type': 'application/grpc', 'grpc-status': u.searchParams.get('grpc')! });
  if (u.searchParams.has('ratelimited')) h['x-envoy-ratelimited'] = 'true';
  return h;
}

beforeAll(async () => {
  await upstream('v1');
  await upstream('v2');
  await upstream('flaky', (u) => {
    // `?advance=N`: the gateway's clock moves N ms while this upstream works (deterministic time).
    if (u.searchParams.has('advance')) rt.advance(Number(u.searchParams.get('advance')));
    return { status: Number(u.searchParams.get('status') ?? 200), delayMs: Number(u.searchParams.get('delay') ?? 0), headers: upstreamHeaders(u) };
  });
});
afterAll(() => servers.forEach((s) => s.close()));

async function compile(yaml: string): Promise<CompiledConfig> {
  const r = loadManifest(yaml);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const push = buildPushContext(r.resources.map((x) => x.resource), 1);
  const { snapshot } = await generateSnapshot(push, { id: 'gw', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } });
  return compileSnapshot(snapshot, new UpstreamState(), testRuntime(7));
}

const rt = testRuntime(3);
const send = (cfg: CompiledConfig, path: string, init: RequestInit & { host?: string } = {}) =>
  handle(cfg, { request: new Request(`http://${init.host ?? 'shop.example.com'}${path}`, init), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: {}, waitUntil: () => {} }, rt);

/** The head of the VirtualService `shop` most tests bind to the gateway; its `http:` list follows. */
const SHOP_VS = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default}
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/gw]
  http:`;

const base = () => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shop, namespace: default}
spec:
  hosts: [shop.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${ports.v1}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: ${ports.v2}}, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: flaky, namespace: default}
spec:
  hosts: [flaky.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${ports.flaky}}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop, namespace: default}
spec:
  host: shop.internal
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
`;

describe('gateway pipeline', () => {
  let cfg: CompiledConfig;
  beforeAll(async () => {
    cfg = await compile(base() + `${SHOP_VS}
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: shop.internal, subset: v2}}]
    headers: {request: {set: {x-route: jason}}, response: {add: {x-served-by: meshgate}}}
  - match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, redirectCode: 302}
    corsPolicy: {allowOrigins: [{exact: "https://a.example"}], allowMethods: [GET]}
  - match: [{uri: {exact: /hello}}]
    directResponse: {status: 200, body: {string: "hi"}}
    corsPolicy: {allowOrigins: [{exact: "https://a.example"}], allowMethods: [GET]}
  - match: [{uri: {prefix: /grpc-abort}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}
    route: [{destination: {host: shop.internal, subset: v1}}]
  - match: [{uri: {prefix: /abort}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    headers: {response: {add: {x-served-by: meshgate}}}
    corsPolicy: {allowOrigins: [{exact: "https://a.example"}]}
    route: [{destination: {host: shop.internal, subset: v1}}]
  - match: [{uri: {prefix: /flaky/}}]
    rewrite: {uri: /}
    timeout: 300ms
    retries: {attempts: 2, retryOn: 5xx}
    route: [{destination: {host: flaky.internal}}]
  - match: [{uri: {prefix: /grpc-retry/}}]
    rewrite: {uri: /}
    retries: {attempts: 2, retryOn: "unavailable,cancelled"}
    route: [{destination: {host: flaky.internal}}]
  - match: [{uri: {prefix: /grpc-5xx/}}]
    rewrite: {uri: /}
    retries: {attempts: 2, retryOn: 5xx}
    route: [{destination: {host: flaky.internal}}]
  - match: [{uri: {prefix: /slow-backoff/}}]
    rewrite: {uri: /}
    timeout: 150ms
    retries: {attempts: 3, retryOn: 5xx, backoff: 100000s} # the first backoff is uniform in [0, 100000 s): under 150 ms 1 in 670,000
    route: [{destination: {host: flaky.internal}}]
  - match: [{uri: {prefix: /ratelimited/}}]
    rewrite: {uri: /}
    retries: {attempts: 2, retryOn: envoy-ratelimited}
    route: [{destination: {host: flaky.internal}}]
  - match: [{uri: {prefix: /nosubset}}]
    route: [{destination: {host: shop.internal, subset: v9}}]
  - match: [{uri: {prefix: /empty}}]
    route: [{destination: {host: shop.internal, subset: v3}}]
  - route: [{destination: {host: shop.internal, subset: v1}}]
`);
  });

  test('routes by header to a subset, with route header operations both ways', async () => {
    seen.length = 0;
    const res = await send(cfg, '/api?x=1', { headers: { 'end-user': 'jason', 'x-request-id': 'abc-123' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-served-by')).toBe('meshgate');
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(res.headers.get('x-envoy-upstream-service-time')).toMatch(/^\d+$/);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ server: 'v2', url: '/api?x=1' });
    expect(seen[0]!.headers['x-route']).toBe('jason');
    expect(seen[0]!.headers['x-forwarded-host']).toBe('shop.example.com');
    expect(seen[0]!.headers['x-request-id']).toBe('abc-123');
    expect(seen[0]!.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const other = await send(cfg, '/api');
    expect(((await other.json()) as { server: string }).server).toBe('v1');
  });

  test('no virtual host or no route: 404 with an empty body and a request id', async () => {
    const res = await send(cfg, '/', { host: 'other.test' });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('redirect, direct response, fault abort', async () => {
    const r = await send(cfg, '/old/x?q=1');
    expect([r.status, r.headers.get('location')]).toEqual([302, 'http://shop.example.com/new?q=1']);
    const d = await send(cfg, '/hello');
    expect([d.status, d.headers.get('content-type'), await d.text()]).toEqual([200, 'text/plain', 'hi']); // Envoy's local reply content type
    const a = await send(cfg, '/abort', { headers: { origin: 'https://a.example' } });
    expect([a.status, await a.text()]).toEqual([418, 'fault filter abort']);
    // An abort is the route's local reply: its response headers and CORS apply (Envoy).
    expect([a.headers.get('x-served-by'), a.headers.get('access-control-allow-origin')]).toEqual(['meshgate', 'https://a.example']);
  });

  test('a direct-response or redirect route has no CORS: Envoy\'s CORS filter skips routes without a route entry', async () => {
    const origin = { origin: 'https://a.example' };
    const preflight = { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } };
    const d = await send(cfg, '/hello', preflight);
    expect([d.status, await d.text(), d.headers.get('access-control-allow-origin')]).toEqual([200, 'hi', null]);
    const r = await send(cfg, '/old/x', preflight);
    expect([r.status, r.headers.get('location'), r.headers.get('access-control-allow-origin')]).toEqual([302, 'http://shop.example.com/new', null]);
    expect((await send(cfg, '/hello', { headers: origin })).headers.get('access-control-allow-origin')).toBeNull();
    expect((await send(cfg, '/old/x', { headers: origin })).headers.get('access-control-allow-origin')).toBeNull();
  });

  test("a gRPC caller gets the gateway's own answers in gRPC form (Envoy sendLocalReply); others as HTTP", async () => {
    const grpc = { method: 'POST', headers: { 'content-type': 'application/grpc' } };
    const grpcOf = async (r: Response) => [r.status, r.headers.get('content-type'), r.headers.get('grpc-status'), r.headers.get('grpc-message'), await r.text()];
    expect(await grpcOf(await send(cfg, '/abort', grpc))).toEqual([200, 'application/grpc', '2', 'fault filter abort', '']);
    expect(await grpcOf(await send(cfg, '/grpc-abort', grpc))).toEqual([200, 'application/grpc', '14', 'fault filter abort', '']);
    expect(await grpcOf(await send(cfg, '/nosubset', grpc))).toEqual([200, 'application/grpc', '14', null, '']); // 503 cluster not found
    expect(await grpcOf(await send(cfg, '/', { ...grpc, host: 'other.test' }))).toEqual([200, 'application/grpc', '12', null, '']); // 404 no route
    expect(await grpcOf(await send(cfg, '/abort', { ...grpc, headers: { 'content-type': 'application/grpc+proto' } }))).toEqual([200, 'application/grpc', '2', 'fault filter abort', '']);
    // A direct response and a redirect are local replies too (Envoy's router sends them with sendLocalReply).
    expect(await grpcOf(await send(cfg, '/hello', grpc))).toEqual([200, 'application/grpc', '2', 'hi', '']);
    const moved = await send(cfg, '/old/x', grpc);
    expect([...(await grpcOf(moved)), moved.headers.get('location')]).toEqual([200, 'application/grpc', '2', null, '', 'http://shop.example.com/new']);
    // grpc-web is not gRPC (Envoy hasGrpcContentType): answered as HTTP.
    const web = await send(cfg, '/abort', { ...grpc, headers: { 'content-type': 'application/grpc-web' } });
    expect([web.status, web.headers.get('grpc-status'), await web.text()]).toEqual([418, null, 'fault filter abort']);
    // A plain HTTP caller of a gRPC-status abort gets HTTP 200 `fault filter abort`.
    const plain = await send(cfg, '/grpc-abort');
    expect([plain.status, plain.headers.get('grpc-status'), await plain.text()]).toEqual([200, null, 'fault filter abort']);
  });

  test('retries 5xx (counted at the upstream), then returns the last answer', async () => {
    seen.length = 0;
    const res = await send(cfg, '/flaky/x?status=503');
    expect(res.status).toBe(503);
    const tries = seen.filter((s) => s.server === 'flaky');
    expect(tries).toHaveLength(3);
    // Istio's gateways set include_request_attempt_count: each try is numbered for the upstream.
    expect(tries.map((s) => s.headers['x-envoy-attempt-count'])).toEqual(['1', '2', '3']);
    expect(seen[0]!.url).toBe('/x?status=503');
    // The rewritten path's original, as Envoy's router keeps it.
    expect(seen[0]!.headers['x-envoy-original-path']).toBe('/flaky/x?status=503');
  });

  test('x-envoy-upstream-service-time counts every try, as Envoy\'s does (from when the router had the request)', async () => {
    seen.length = 0;
    const res = await send(cfg, '/flaky/x?status=503&advance=40');
    expect(seen.filter((s) => s.server === 'flaky')).toHaveLength(3);
    expect(res.headers.get('x-envoy-upstream-service-time')).toBe('120');
  });

  test('gRPC retry conditions read grpc-status from a trailers-only answer (counted at the upstream)', async () => {
    const attempts = async (path: string) => {
      seen.length = 0;
      const res = await send(cfg, path);
      expect(res.status).toBe(200);
      return seen.filter((s) => s.server === 'flaky').length;
    };
    expect(await attempts('/grpc-retry/x?grpc=14')).toBe(3); // UNAVAILABLE: retried twice
    expect(await attempts('/grpc-retry/x?grpc=1')).toBe(3); // CANCELLED
    expect(await attempts('/grpc-retry/x?grpc=0')).toBe(1); // OK
    expect(await attempts('/grpc-retry/x?grpc=13')).toBe(1); // INTERNAL is not in retryOn
    expect(await attempts('/grpc-5xx/x?grpc=14')).toBe(1); // 5xx does not look at grpc-status
  });

  test('timeouts: the upstream is told its budget; a gRPC caller\'s grpc-timeout is the route timeout, capped by the route\'s (Istio max_grpc_timeout)', async () => {
    const grpc = (timeout: string) => ({ method: 'POST', headers: { 'content-type': 'application/grpc', 'grpc-timeout': timeout } });
    const lastSeen = () => seen.filter((s) => s.server === 'flaky').at(-1)!.headers;
    // Route timeout 300ms: Envoy's x-envoy-expected-rq-timeout-ms.
    (await send(cfg, '/flaky/x')).body?.cancel();
    expect(lastSeen()['x-envoy-expected-rq-timeout-ms']).toBe('300');
    // max_grpc_timeout (the route has a timeout): grpc-timeout 100m is the timeout, the upstream is
    // told it, and the expiry is the route timeout's 504 in gRPC form (UNAVAILABLE).
    const capped = await send(cfg, '/flaky/x?delay=1500', grpc('100m'));
    expect([capped.headers.get('grpc-status'), capped.headers.get('grpc-message')]).toEqual(['14', 'upstream request timeout']);
    expect([lastSeen()['grpc-timeout'], lastSeen()['x-envoy-expected-rq-timeout-ms']]).toEqual(['100m', '100']);
    // A longer grpc-timeout is capped by the route's 300ms.
    (await send(cfg, '/flaky/x', grpc('5S'))).body?.cancel();
    expect([lastSeen()['grpc-timeout'], lastSeen()['x-envoy-expected-rq-timeout-ms']]).toEqual(['300m', '300']);
    // No route timeout (max_grpc_timeout 0s: no cap): grpc-timeout alone is the timeout.
    const uncapped = await send(cfg, '/grpc-5xx/x?delay=1500', grpc('150m'));
    expect([uncapped.headers.get('grpc-status'), uncapped.headers.get('grpc-message')]).toEqual(['14', 'upstream request timeout']);
    expect([lastSeen()['grpc-timeout'], lastSeen()['x-envoy-expected-rq-timeout-ms']]).toEqual(['150m', '150']);
    // Not gRPC: grpc-timeout means nothing.
    const plain = await send(cfg, '/grpc-5xx/x?delay=300', { headers: { 'grpc-timeout': '50m' } });
    expect(plain.status).toBe(200);
  });

  test('a backoff that outlasts the route timeout ends in 504 (Envoy drops the answer it will retry)', async () => {
    seen.length = 0;
    const res = await send(cfg, '/slow-backoff/x?status=503');
    expect([res.status, await res.text()]).toEqual([504, 'upstream request timeout']);
    expect(seen.filter((s) => s.server === 'flaky')).toHaveLength(1);
  });

  test('envoy-ratelimited retries a response carrying x-envoy-ratelimited, whatever its status', async () => {
    const attempts = async (path: string) => {
      seen.length = 0;
      await (await send(cfg, path)).arrayBuffer();
      return seen.filter((s) => s.server === 'flaky').length;
    };
    expect(await attempts('/ratelimited/x?status=429&ratelimited')).toBe(3);
    expect(await attempts('/ratelimited/x?status=429')).toBe(1);
  });

  test('route timeout: 504 upstream request timeout', async () => {
    const res = await send(cfg, "/flaky/?delay=1000");
    expect(res.status).toBe(504);
    expect(await res.text()).toBe('upstream request timeout');
  });

  test('undefined subset: 503 empty; subset without endpoints: 503 no healthy upstream', async () => {
    const nc = await send(cfg, '/nosubset');
    expect([nc.status, await nc.text()]).toEqual([503, '']);
    const uh = await send(cfg, '/empty');
    expect([uh.status, await uh.text()]).toEqual([503, 'no healthy upstream']);
  });

  test('escaped slashes are rejected with 400 by default', async () => {
    const res = await send(cfg, '/a%2Fb');
    expect(res.status).toBe(400);
  });
});

describe('MeshConfig meshgate: settings reach the gateway (translator → snapshot → compile → request)', () => {
  const vsFlaky = `${SHOP_VS}
  - retries: {attempts: 2, retryOn: 5xx}
    route: [{destination: {host: flaky.internal}}]
`;
  const mesh = (settings: string) => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    meshgate: {${settings}}
`;
  const attempts = async (cfg: CompiledConfig, path: string, init: RequestInit & { internal?: boolean } = {}) => {
    seen.length = 0;
    const { internal, ...rest } = init;
    const res = await handle(cfg, { request: new Request(`http://shop.example.com${path}`, rest), role: 'ingress', edgePort: 80, clientIp: internal ? '10.0.0.1' : '203.0.113.9', internal: internal ?? false, env: {}, waitUntil: () => {} }, rt);
    await res.arrayBuffer();
    return seen.filter((s) => s.server === 'flaky').length;
  };

  test('retryBufferBytes: a body within it is replayed on every attempt, a larger one is sent once', async () => {
    const cfg = await compile(base() + vsFlaky + mesh('retryBufferBytes: 16'));
    expect(await attempts(cfg, '/x?status=503', { method: 'POST', body: 'sixteen bytes ok' })).toBe(3);
    expect(seen.map((s) => s.body)).toEqual(['sixteen bytes ok', 'sixteen bytes ok', 'sixteen bytes ok']);
    expect(await attempts(cfg, '/x?status=503', { method: 'POST', body: 'seventeen bytes!!' })).toBe(1);
    expect(seen[0]!.body).toBe('seventeen bytes!!');
  });

  test('internalHeaderOverrides: false ignores x-envoy-max-retries even from an internal caller', async () => {
    const headers = { 'x-envoy-max-retries': '0' };
    const honoured = await compile(base() + vsFlaky);
    expect(await attempts(honoured, '/x?status=503', { headers, internal: true })).toBe(1);
    expect(seen[0]!.headers['x-envoy-max-retries']).toBeUndefined(); // consumed, as Envoy's router does
    for (const bad of ['', '1e0', '0x0', '-1']) expect(await attempts(honoured, '/x?status=503', { headers: { 'x-envoy-max-retries': bad }, internal: true })).toBe(3); // not a count: ignored
    expect(await attempts(honoured, '/x?status=503', { headers })).toBe(3); // external: never honoured
    const off = await compile(base() + vsFlaky + mesh('internalHeaderOverrides: false'));
    expect(await attempts(off, '/x?status=503', { headers, internal: true })).toBe(3);
    expect(seen[0]!.headers['x-envoy-max-retries']).toBe('0'); // not honoured here: passed on
  });

  test('a trusted caller\'s x-envoy-retry-on, -retry-grpc-on, -retriable-status-codes and per-try timeout add to the route\'s policy, and are consumed (Envoy RetryStateImpl)', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - retries: {attempts: 2, retryOn: connect-failure}
    route: [{destination: {host: flaky.internal}}]
`);
    const internal = (headers: Record<string, string>) => ({ headers, internal: true });
    expect(await attempts(cfg, '/x?status=503', internal({}))).toBe(1);
    expect(await attempts(cfg, '/x?status=503', internal({ 'x-envoy-retry-on': '5xx' }))).toBe(3);
    expect(seen.map((s) => s.headers['x-envoy-retry-on'])).toEqual([undefined, undefined, undefined]);
    expect(await attempts(cfg, '/x?status=503', { headers: { 'x-envoy-retry-on': '5xx' } })).toBe(1); // external: never honoured
    expect(await attempts(cfg, '/x?status=418', internal({ 'x-envoy-retry-on': 'retriable-status-codes', 'x-envoy-retriable-status-codes': '418' }))).toBe(3);
    expect(await attempts(cfg, '/x?grpc=14', internal({ 'x-envoy-retry-grpc-on': 'unavailable' }))).toBe(3);
    expect(await attempts(cfg, '/x?status=503', internal({ 'x-envoy-retry-on': 'bogus' }))).toBe(1); // unknown names are ignored
    // Consumed though not acted on, as Envoy's router consumes them.
    await attempts(cfg, '/x', internal({ 'x-envoy-hedge-on-per-try-timeout': 'true', 'x-envoy-retriable-header-names': 'x-a', 'x-envoy-upstream-rq-timeout-alt-response': '204' }));
    expect(['x-envoy-hedge-on-per-try-timeout', 'x-envoy-retriable-header-names', 'x-envoy-upstream-rq-timeout-alt-response'].map((h) => seen[0]!.headers[h])).toEqual([undefined, undefined, undefined]);
    // Each try gets 100ms: three timed-out tries, then 504.
    expect(await attempts(cfg, '/x?delay=400', internal({ 'x-envoy-retry-on': '5xx', 'x-envoy-upstream-rq-per-try-timeout-ms': '100' }))).toBe(3);
    expect(seen.map((s) => s.headers['x-envoy-expected-rq-timeout-ms'])).toEqual(['100', '100', '100']);
  });

  test('refreshIntervalMs becomes the compiled poll interval; unset leaves the gateway its own', async () => {
    expect((await compile(base() + vsFlaky + mesh('refreshIntervalMs: 2500'))).refreshMs).toBe(2500);
    expect((await compile(base() + vsFlaky)).refreshMs).toBeUndefined();
  });
});

describe('circuit breakers', () => {
  // Two requests fail together after 200 ms; only one of them may be retrying at a time, so the
  // other stops with its 503 instead of retrying: 2 first attempts + 2 retries of one request
  // (6 without the limit).
  test.each([
    ['maxRetries bounds concurrent retries: a retry holds its slot until it is done', '{connectionPool: {http: {maxRetries: 1}}}'],
    ['a retryBudget bounds them too (minRetryConcurrency when the percentage allows none)', '{retryBudget: {percent: 0, minRetryConcurrency: 1}}'],
  ])('%s', async (_, trafficPolicy) => {
    const cfg = await compile(base() + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: flaky, namespace: default}
spec:
  host: flaky.internal
  trafficPolicy: ${trafficPolicy}
${SHOP_VS}
  - retries: {attempts: 2, retryOn: 5xx}
    route: [{destination: {host: flaky.internal}}]
`);
    seen.length = 0;
    const replies = await Promise.all([send(cfg, '/x?status=503&delay=200'), send(cfg, '/x?status=503&delay=200')]);
    expect(replies.map((r) => r.status)).toEqual([503, 503]);
    expect(seen.filter((s) => s.server === 'flaky')).toHaveLength(4);
  });

  const narrow = (connectTimeout: string, route: string) => base() + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: flaky, namespace: default}
spec:
  host: flaky.internal
  trafficPolicy: {connectionPool: {tcp: {maxConnections: 1, connectTimeout: ${connectTimeout}}, http: {http1MaxPendingRequests: 5}}}
${SHOP_VS}
  - ${route}
    route: [{destination: {host: flaky.internal}}]
`;

  test('a request waiting for a fetch slot waits past connect_timeout for the slot to free', async () => {
    const cfg = await compile(narrow('20ms', 'name: r'));
    const [held, queued] = await Promise.all([send(cfg, '/x?delay=250'), send(cfg, '/y')]);
    expect([held.status, queued.status]).toEqual([200, 200]);
  });

  test('the route timeout covers the wait for a fetch slot: 504 when it runs out there', async () => {
    const cfg = await compile(narrow('10s', `match: [{uri: {prefix: /x}}]
    route: [{destination: {host: flaky.internal}}]
  - timeout: 100ms`));
    const held = send(cfg, '/x?delay=400'); // no route timeout: holds the only slot for 400 ms
    await new Promise((r) => setTimeout(r, 20));
    const queued = await send(cfg, '/y');
    expect([queued.status, await queued.text()]).toEqual([504, 'upstream request timeout']);
    expect((await held).status).toBe(200);
  });
});

describe('header operations precedence (reference/istio-semantics.md §3.6)', () => {
  test('weighted destinations: the route-level set wins over the destination-level one; single destination: the destination wins', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - match: [{uri: {prefix: /weighted}}]
    headers: {request: {set: {x-who: route}}}
    route:
    - {destination: {host: shop.internal, subset: v1}, weight: 50, headers: {request: {set: {x-who: v1, x-dest: v1}}}}
    - {destination: {host: shop.internal, subset: v2}, weight: 50, headers: {request: {set: {x-who: v2, x-dest: v2}}}}
  - headers: {request: {set: {x-who: route}}}
    route: [{destination: {host: shop.internal, subset: v1}, headers: {request: {set: {x-who: destination}}}}]
`);
    seen.length = 0;
    for (let i = 0; i < 6; i++) await (await send(cfg, '/weighted')).arrayBuffer();
    expect(seen.map((s) => s.headers['x-who'])).toEqual(Array(6).fill('route'));
    expect(seen.every((s) => s.headers['x-dest'] === s.server)).toBe(true); // destination ops still apply
    seen.length = 0;
    await (await send(cfg, '/single')).arrayBuffer();
    expect(seen[0]!.headers['x-who']).toBe('destination');
  });
});

describe('header values with Envoy formatter commands (translator → snapshot → compile → request)', () => {
  test('%REQ()%, client address and %% are evaluated, not sent literally; an unevaluated command adds no header', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - headers:
      request:
        set: {x-real-ip: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", x-who: "user=%REQ(end-user)%", x-pct: "100%%", x-host: "%HOSTNAME%", x-orig: "%REQ(:method)% %REQ(:path)%"}
      response:
        set: {x-echo: "%RESP(x-upstream)% for %REQ(end-user)%", x-status: "%RESP(:status)%"}
    route: [{destination: {host: shop.internal, subset: v1}}]
`);
    seen.length = 0;
    const res = await send(cfg, '/h//i?q=1', { headers: { 'end-user': 'jason' } });
    expect(res.status).toBe(200);
    const got = seen[0]!.headers;
    expect([got['x-real-ip'], got['x-who'], got['x-pct'], got['x-host'], got['x-orig']]).toEqual(['203.0.113.9', 'user=jason', '100%', undefined, 'GET /h/i?q=1']);
    expect([res.headers.get('x-echo'), res.headers.get('x-status')]).toEqual(['v1 for jason', '200']);
  });

  test('request formatters see the path before a rewrite, response formatters the rewritten one (Envoy rewrites :path after the request header operations)', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - match: [{uri: {prefix: /old}}]
    rewrite: {uri: /new}
    headers:
      request: {set: {x-req-path: "%REQ(:path)%"}}
      response: {set: {x-resp-path: "%REQ(:path)%"}}
    route: [{destination: {host: shop.internal, subset: v1}}]
`);
    seen.length = 0;
    const res = await send(cfg, '/old/a?q=1');
    expect([seen[0]!.url, seen[0]!.headers['x-req-path']]).toEqual(['/new/a?q=1', '/old/a?q=1']);
    expect(res.headers.get('x-resp-path')).toBe('/new/a?q=1');
  });
});

describe('routes and filters see the headers as the gateway sanitized them', () => {
  test('a client cannot spoof x-forwarded-proto for routing, nor remove gateway headers through Connection', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - match: [{headers: {x-forwarded-proto: {exact: https}}}]
    route: [{destination: {host: shop.internal, subset: v2}}]
  - route: [{destination: {host: shop.internal, subset: v1}}]
`);
    seen.length = 0;
    const res = await send(cfg, '/x', { headers: { 'x-forwarded-proto': 'https', connection: 'x-request-id, x-forwarded-for' } });
    expect(((await res.json()) as { server: string }).server).toBe('v1'); // arrived over http
    expect(seen[0]!.headers['x-forwarded-proto']).toBe('http');
    expect(seen[0]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]!.headers['x-forwarded-for']).toBe('203.0.113.9');
    expect(res.headers.get('x-request-id')).toBe(seen[0]!.headers['x-request-id']);
  });

  test('a client-sent x-forwarded-client-cert is removed before routing (Envoy SANITIZE_SET), so it cannot select a route', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - match: [{headers: {x-forwarded-client-cert: {prefix: "URI=spiffe://"}}}]
    route: [{destination: {host: shop.internal, subset: v2}}]
  - route: [{destination: {host: shop.internal, subset: v1}}]
`);
    seen.length = 0;
    const res = await send(cfg, '/x', { headers: { 'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/shop/sa/admin', 'client-cert': ':AAAA:' } });
    expect(((await res.json()) as { server: string }).server).toBe('v1');
    expect(seen[0]!.headers['x-forwarded-client-cert']).toBeUndefined();
    expect(seen[0]!.headers['client-cert']).toBeUndefined();
  });

  test('egress passthrough (ALLOW_ANY, no listener for the port) does not pass a caller\'s client-certificate headers on', async () => {
    const r = loadManifest(`apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy: {mode: ALLOW_ANY}
`);
    const push = buildPushContext(r.resources.map((x) => x.resource), 1);
    const { snapshot } = await generateSnapshot(push, { id: 'egw', role: 'egress', namespace: 'istio-system', labels: { istio: 'egressgateway' } });
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(7));
    seen.length = 0;
    const headers = { 'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/shop/sa/admin', 'client-cert-chain': ':AAAA:', 'x-kept': '1' };
    const res = await handle(cfg, { request: new Request(`http://127.0.0.1:${ports.v1}/out`, { headers }), role: 'egress', edgePort: ports.v1!, clientIp: '10.0.0.9', internal: true, env: {}, waitUntil: () => {} }, rt);
    expect(res.status).toBe(200);
    expect(seen[0]!.headers['x-kept']).toBe('1');
    expect(seen[0]!.headers['x-forwarded-client-cert']).toBeUndefined();
    expect(seen[0]!.headers['client-cert-chain']).toBeUndefined();
  });
});

describe('Gateway tls.httpsRedirect (VirtualHost require_tls: ALL)', () => {
  test('plain HTTP gets a 301 to https with the host, normalized path and query; an IPv6 literal keeps its brackets', async () => {
    const cfg = await compile(base().replace('hosts: ["*.example.com"]}]', 'hosts: ["*"], tls: {httpsRedirect: true}}]') + `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: all, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: shop.internal, subset: v1}}]}]
`);
    seen.length = 0;
    const named = await send(cfg, '/a//b?q=1', { host: 'Shop.Example.com:80' });
    expect(named.status).toBe(301);
    expect(named.headers.get('location')).toBe('https://shop.example.com/a/b?q=1');
    const v6 = await send(cfg, '/p', { host: '[2001:db8::1]' });
    expect(v6.status).toBe(301);
    expect(v6.headers.get('location')).toBe('https://[2001:db8::1]/p');
    expect(v6.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual([]); // nothing proxied
  });

  test('a redirect server host that no VirtualService binds still redirects (Istio adds a route-less vhost)', async () => {
    const cfg = await compile(base().replace('hosts: ["*.example.com"]}]', 'hosts: ["*.example.com"], tls: {httpsRedirect: true}}]'));
    const res = await send(cfg, '/x?y=1', { host: 'shop.example.com' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('https://shop.example.com/x?y=1');
    // A host outside the server's hosts still gets no route.
    expect((await send(cfg, '/x', { host: 'other.test' })).status).toBe(404);
  });
});

describe('upstream failures are told apart as Envoy does (connect failure vs reset)', () => {
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
  const dropper = () =>
    new Promise<{ port: number; close: () => void; hits: () => number }>((resolve) => {
      let hits = 0;
      const s = createServer((req) => {
        hits++;
        req.socket.destroy();
      }).listen(0, '127.0.0.1', () => resolve({ port: (s.address() as AddressInfo).port, close: () => s.close(), hits: () => hits }));
    });
  const service = (name: string, endpoints: number[]) => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${name}.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [${endpoints.map((p) => `{address: 127.0.0.1, ports: {http: ${p}}}`).join(', ')}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: default}
spec: {host: ${name}.internal, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${name}.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: ${name}.internal}}]}]
`;

  test('a refused connection is a connect failure: 503 "connection failure", retried on another endpoint by the default policy', async () => {
    const closed = await closedPort();
    const cfg = await compile(base() + service('down', [closed]) + service('half', [closed, ports.v1!]));
    const res = await send(cfg, '/', { host: 'down.example.com' });
    expect([res.status, await res.text()]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure']);
    for (let i = 0; i < 4; i++) expect((await send(cfg, '/', { host: 'half.example.com' })).status).toBe(200);
  });

  test('a connection dropped before headers is a reset: 503 "connection termination", not retried by the default policy', async () => {
    const d = await dropper();
    try {
      const cfg = await compile(base() + service('drop', [d.port]));
      const res = await send(cfg, '/', { host: 'drop.example.com' });
      expect([res.status, await res.text()]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination']);
      expect(d.hits()).toBe(1);
    } finally {
      d.close();
    }
  });
});

describe('VirtualService redirect Location (Envoy Http::Utility::newUri)', () => {
  let cfg: CompiledConfig;
  beforeAll(async () => {
    cfg = await compile(base() + `${SHOP_VS}
  - match: [{uri: {prefix: /authport}}]
    redirect: {authority: "new.example.com:8443"}
  - match: [{uri: {prefix: /auth}}]
    redirect: {authority: new.example.com}
  - match: [{uri: {prefix: /v6}}]
    redirect: {authority: "2001:db8::1", port: 8443}
  - match: [{uri: {prefix: /rel}}]
    redirect: {uri: relative}
  - match: [{uri: {prefix: /Old/}, ignoreUriCase: true}]
    redirect: {prefixRewrite: /new/}
  - match: [{uri: {prefix: /same}}]
    redirect: {uri: /other}
`);
  });
  const location = async (path: string, host = 'shop.example.com:8080') => (await send(cfg, path, { host })).headers.get('location');

  test('authority is used as written: a port in it is not taken for IPv6, the request port is dropped', async () => {
    expect(await location('/authport?a=1')).toBe('http://new.example.com:8443/authport?a=1');
    expect(await location('/auth')).toBe('http://new.example.com/auth');
  });
  test('an IPv6 authority gets brackets when a port is added', async () => {
    expect(await location('/v6')).toBe('http://[2001:db8::1]:8443/v6');
  });
  test('a uri without a leading slash gets one; the request authority keeps its port when the scheme is unchanged', async () => {
    expect(await location('/rel')).toBe('http://shop.example.com:8080/relative');
    expect(await location('/same')).toBe('http://shop.example.com:8080/other');
  });
  test('prefixRewrite honours ignoreUriCase', async () => {
    expect(await location('/OLD/x')).toBe('http://shop.example.com:8080/new/x');
  });
});

describe('mirrors', () => {
  test('the shadow gets the -shadow authority and the first try\'s x-envoy-attempt-count, as Envoy sets it before shadowing', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - route: [{destination: {host: shop.internal, subset: v1}}]
    mirror: {host: shop.internal, subset: v2}
    mirrorPercentage: {value: 100}
`);
    seen.length = 0;
    const pending: Promise<unknown>[] = [];
    const caller = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-b3-traceid': '0af7651916cd43dd8448eb211c80319c', 'x-b3-spanid': 'b7ad6b7169203331', 'x-b3-sampled': '1' };
    const res = await handle(cfg, { request: new Request('http://shop.example.com/m', { headers: caller }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: {}, waitUntil: (p) => void pending.push(p) }, rt);
    expect(res.status).toBe(200);
    await Promise.all(pending);
    const by = (server: string) => seen.find((s) => s.server === server)!.headers;
    expect([by('v1')['x-envoy-attempt-count'], by('v1')['x-forwarded-host'], by('v1')['x-envoy-original-path']]).toEqual(['1', 'shop.example.com', undefined]);
    expect([by('v2')['x-envoy-attempt-count'], by('v2')['x-forwarded-host']]).toEqual(['1', 'shop.example.com-shadow']);
    // The shadow is a child span of the gateway's (Envoy's async client span "mirror"): same trace,
    // new span, not sampled (Istio's trace_sampled: false).
    const span = (h: Record<string, unknown>) => String(h['traceparent']).split('-')[2];
    const gatewaySpan = span(by('v1'));
    expect(String(by('v1')['traceparent'])).toMatch(/-01$/);
    expect(String(by('v2')['traceparent'])).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(by('v2')['x-b3-sampled']).toBe('0');
    expect(span(by('v2'))).not.toBe(gatewaySpan);
    expect([by('v2')['x-b3-spanid'], by('v2')['x-b3-parentspanid'], by('v1')['x-b3-parentspanid']]).toEqual([span(by('v2')), gatewaySpan, 'b7ad6b7169203331']);
  });

  test('no shadow when the primary has no healthy upstream (Envoy shadows once the first try has a host)', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - route: [{destination: {host: shop.internal, subset: v3}}]
    mirror: {host: shop.internal, subset: v2}
    mirrorPercentage: {value: 100}
`);
    seen.length = 0;
    const pending: Promise<unknown>[] = [];
    const res = await handle(cfg, { request: new Request('http://shop.example.com/m'), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: {}, waitUntil: (p) => void pending.push(p) }, rt);
    expect([res.status, await res.text()]).toEqual([503, 'no healthy upstream']);
    expect(pending).toHaveLength(0);
  });

  test('mirrors are decided with one draw: the requests a 20% mirror gets are among those a 60% one gets', async () => {
    const cfg = await compile(base() + `${SHOP_VS}
  - route: [{destination: {host: shop.internal, subset: v1}}]
    mirrors:
    - destination: {host: shop.internal, subset: v2}
      percentage: {value: 20}
    - destination: {host: flaky.internal}
      percentage: {value: 60}
`);
    seen.length = 0;
    for (let i = 0; i < 60; i++) {
      const pending: Promise<unknown>[] = [];
      await (await handle(cfg, { request: new Request(`http://shop.example.com/m${i}`), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: {}, waitUntil: (p) => void pending.push(p) }, rt)).arrayBuffer();
      await Promise.all(pending);
    }
    const paths = (server: string) => new Set(seen.filter((s) => s.server === server).map((s) => s.url));
    const small = paths('v2');
    const large = paths('flaky');
    expect(small.size).toBeGreaterThan(0);
    expect(large.size).toBeGreaterThan(small.size);
    expect([...small].filter((p) => !large.has(p))).toEqual([]);
  });
});

describe('mirrors go through the mirror cluster as any request does (Envoy\'s shadow is a router request on that cluster)', () => {
  const mirrored = (trafficPolicy: string) => base() + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: flaky, namespace: default}
spec:
  host: flaky.internal
  trafficPolicy: ${trafficPolicy}
${SHOP_VS}
  - match: [{uri: {prefix: /direct}}]
    route: [{destination: {host: flaky.internal}}]
  - route: [{destination: {host: shop.internal, subset: v1}}]
    mirror: {host: flaky.internal}
    mirrorPercentage: {value: 100}
`;
  const withMirrors = async (cfg: CompiledConfig, paths: string[]) => {
    const pending: Promise<unknown>[] = [];
    const replies = await Promise.all(paths.map((p) => handle(cfg, { request: new Request(`http://shop.example.com${p}`), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: {}, waitUntil: (q) => void pending.push(q) }, rt)));
    await Promise.all(pending);
    return replies.map((r) => r.status);
  };

  test('the mirror cluster\'s circuit breaker drops shadows beyond its limit', async () => {
    const cfg = await compile(mirrored('{connectionPool: {http: {http2MaxRequests: 1}}}'));
    seen.length = 0;
    expect(await withMirrors(cfg, ['/m1?delay=200', '/m2?delay=200'])).toEqual([200, 200]);
    expect(seen.filter((s) => s.server === 'flaky')).toHaveLength(1);
  });

  test('shadow answers feed the mirror cluster\'s outlier detection', async () => {
    const cfg = await compile(mirrored('{outlierDetection: {consecutive5xxErrors: 1, interval: 10s, baseEjectionTime: 60s, maxEjectionPercent: 100}}'));
    expect(await withMirrors(cfg, ['/m?status=503'])).toEqual([200]);
    const direct = await send(cfg, '/direct');
    expect([direct.status, await direct.text()]).toEqual([503, 'no healthy upstream']);
  });
});

describe('consistent hash cookies', () => {
  test('only a hashing cluster generates the cookie: a subset that overrides the balancer does not (Envoy evaluates hash policies in the ring/maglev only)', async () => {
    const cfg = await compile(base().replace(`  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]`, `  trafficPolicy:
    loadBalancer:
      consistentHash: {httpCookie: {name: sticky, ttl: 60s}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - name: v2
    labels: {version: v2}
    trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}`) + `${SHOP_VS}
  - route:
    - {destination: {host: shop.internal, subset: v1}, weight: 50}
    - {destination: {host: shop.internal, subset: v2}, weight: 50}
`);
    const served = { v1: [] as (string | null)[], v2: [] as (string | null)[] };
    for (let i = 0; i < 24; i++) {
      const res = await send(cfg, '/x');
      served[res.headers.get('x-upstream') as 'v1' | 'v2'].push(res.headers.get('set-cookie'));
    }
    expect(served.v1.length).toBeGreaterThan(0);
    expect(served.v2.length).toBeGreaterThan(0);
    for (const c of served.v1) expect(c).toMatch(/^sticky="[^"]+"; Max-Age=60; HttpOnly$/);
    expect(served.v2.filter((c) => c !== null)).toEqual([]);
  });
});

describe('request bodies of unknown length', () => {
  test('are sent at once while a copy is kept for retries: a streaming client is not held back', async () => {
    // An upstream that answers as soon as the first chunk arrives, while the client keeps its body open.
    const early = createServer((req, res) => {
      req.once('data', (chunk: Buffer) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`first chunk: ${chunk.toString()}`);
      });
    });
    await new Promise<void>((r) => early.listen(0, '127.0.0.1', r));
    const port = (early.address() as AddressInfo).port;
    try {
      const cfg = await compile(base() + `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: early, namespace: default}
spec:
  hosts: [early.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${port}}}]
${SHOP_VS}
  - route: [{destination: {host: early.internal}}]
`);
      let close!: () => void;
      const closed = new Promise<void>((r) => (close = r));
      const body = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(new TextEncoder().encode('hello'));
          await closed; // the body ends only after the answer came back
          c.close();
        },
      });
      // The route has Istio's default retries, so the body is kept for a replay, yet not waited for.
      const res = await send(cfg, '/stream', { method: 'POST', body, duplex: 'half' } as RequestInit);
      expect([res.status, await res.text()]).toEqual([200, 'first chunk: hello']);
      close();
    } finally {
      early.close();
    }
  });
});
