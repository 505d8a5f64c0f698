import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningMesh } from '../../src/cli/dev/mesh.ts';
import { applyAndSync, testMesh } from './support/mesh.ts';
import { send, upstream, type Upstream } from './support/upstreams.ts';

// The ingress gateway end to end: the real control plane and gateway in workerd, real HTTP
// upstreams on 127.0.0.1 reporting what they received. One mesh for the file.

let mesh: RunningMesh;
let v1: Upstream, v2: Upstream, v3: Upstream, mirror: Upstream;
const gw = (path: string, opts: Parameters<typeof send>[2] = {}) => send(mesh.ingressUrl, path, opts);
const serverOf = (body: string) => (JSON.parse(body) as { server: string }).server;

beforeAll(async () => {
  [v1, v2, v3, mirror] = await Promise.all([upstream('v1'), upstream('v2'), upstream('v3'), upstream('mirror')]);
  mesh = await testMesh();
  await applyAndSync(mesh, `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: app, namespace: default}
spec:
  hosts: [app.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${v1.port}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: ${v2.port}}, labels: {version: v2}}
  - {address: 127.0.0.1, ports: {http: ${v3.port}}, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: mirror, namespace: default}
spec:
  hosts: [mirror.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${mirror.port}}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: app, namespace: default}
spec:
  host: app.internal
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}, {name: none, labels: {version: none}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app, namespace: default}
spec:
  hosts: [app.example.com]
  gateways: [istio-system/gw]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: app.internal, subset: v2}}]
  - match: [{uri: {prefix: /split}}]
    route:
    - {destination: {host: app.internal, subset: v1}, weight: 70}
    - {destination: {host: app.internal, subset: v3}, weight: 30}
  - match: [{uri: {prefix: /retry}}]
    retries: {attempts: 3, retryOn: "5xx"}
    route: [{destination: {host: app.internal, subset: v1}}]
  - match: [{uri: {prefix: /slow}}]
    timeout: 0.4s
    route: [{destination: {host: app.internal, subset: v1}}]
  - match: [{uri: {prefix: /mirror}}]
    mirror: {host: mirror.internal}
    route: [{destination: {host: app.internal, subset: v1}}]
  - match: [{uri: {prefix: /abort}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 50}}}
    route: [{destination: {host: app.internal, subset: v1}}]
  - match: [{uri: {prefix: /delay}}]
    fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
    route: [{destination: {host: app.internal, subset: v1}}]
  - match: [{uri: {prefix: /old}}]
    redirect: {uri: /new, authority: other.example.com}
  - match: [{uri: {exact: /ping}}]
    directResponse: {status: 200, body: {string: pong}}
  - match: [{uri: {prefix: /api/}}]
    rewrite: {uri: /v2/}
    headers:
      request: {set: {x-route: api}, remove: [x-secret]}
      response: {set: {x-served-by: meshgate}}
    corsPolicy:
      allowOrigins: [{exact: "https://ui.example.com"}]
      allowMethods: [GET, POST]
      maxAge: 24h
    route: [{destination: {host: app.internal, subset: v1}}]
  - match: [{uri: {prefix: /empty}}]
    route: [{destination: {host: app.internal, subset: none}}]
  - match: [{uri: {prefix: /undefined}}]
    route: [{destination: {host: app.internal, subset: v9}}]
  - route: [{destination: {host: app.internal, subset: v1}}]
`);
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
  await Promise.all([v1, v2, v3, mirror].map((u) => u?.close()));
});

describe('ingress gateway, end to end', () => {
  test('routes by header to a subset; other users to the default route; unknown host is 404', async () => {
    expect(serverOf((await gw('/x', { headers: { 'end-user': 'jason' } })).body)).toBe('v2');
    expect(serverOf((await gw('/x')).body)).toBe('v1');
    const miss = await gw('/x', { host: 'nothing.test' });
    expect([miss.status, miss.body]).toEqual([404, '']);
    expect(miss.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  // ±9% over 600 draws of p = 0.7 is 4.8σ (σ = √(0.7·0.3/600) ≈ 1.9%): a false failure about once in a million runs.
  test('weighted split 70/30 within ±9% over 600 requests (v2 never)', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 600; i++) {
      const r = await gw('/split');
      counts[serverOf(r.body)] = (counts[serverOf(r.body)] ?? 0) + 1;
    }
    expect(counts.v2).toBeUndefined();
    expect(Math.abs((counts.v1 ?? 0) / 600 - 0.7)).toBeLessThan(0.09);
    expect(Math.abs((counts.v3 ?? 0) / 600 - 0.3)).toBeLessThan(0.09);
  });

  test('retries on 5xx are counted at the upstream; the retried request succeeds', async () => {
    const before = v1.received.length;
    const r = await gw('/retry?fail=2');
    expect(r.status).toBe(200);
    expect(v1.received.length - before).toBe(3);
  });

  test('route timeout answers 504 upstream request timeout', async () => {
    const r = await gw('/slow?delay=2000');
    expect([r.status, r.body]).toEqual([504, 'upstream request timeout']);
  });

  test('mirror target sees the request with the -shadow host; the primary answers', async () => {
    const r = await gw('/mirror/item', { method: 'POST', body: 'payload' });
    expect(serverOf(r.body)).toBe('v1');
    const seen = await waitFor(() => mirror.received.find((x) => x.url === '/mirror/item'));
    expect(seen.headers['x-forwarded-host']).toBe('app.example.com-shadow');
    expect(seen.body).toBe('payload');
  });

  // ±10% over 600 draws of p = 0.5 is 4.9σ (σ = √(0.25/600) ≈ 2.0%).
  test('fault abort at 50% within ±10% over 600 requests, with Envoy\'s body', async () => {
    let aborted = 0;
    for (let i = 0; i < 600; i++) {
      const r = await gw('/abort');
      if (r.status === 503) {
        expect(r.body).toBe('fault filter abort');
        aborted++;
      }
    }
    expect(Math.abs(aborted / 600 - 0.5)).toBeLessThan(0.1);
  });

  test('fault delay holds the request at least the configured delay', async () => {
    const t = Date.now();
    const r = await gw('/delay');
    expect(r.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });

  test('redirect, direct response', async () => {
    const r = await gw('/old?q=1');
    expect([r.status, r.headers.location]).toEqual([301, 'http://other.example.com/new?q=1']);
    const d = await gw('/ping');
    expect([d.status, d.body]).toEqual([200, 'pong']);
  });

  test('rewrite, request and response header operations, CORS preflight and response', async () => {
    const before = v1.received.length;
    const r = await gw('/api/items?a=b', { headers: { 'x-secret': 's', origin: 'https://ui.example.com' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-served-by']).toBe('meshgate');
    expect(r.headers['access-control-allow-origin']).toBe('https://ui.example.com');
    expect(r.headers['x-envoy-upstream-service-time']).toMatch(/^\d+$/);
    const got = v1.received[before]!;
    expect(got.url).toBe('/v2/items?a=b');
    expect(got.headers['x-route']).toBe('api');
    expect(got.headers['x-secret']).toBeUndefined();
    expect(got.headers['x-forwarded-host']).toBe('app.example.com');
    const pre = await gw('/api/items', { method: 'OPTIONS', headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-methods']).toBe('GET,POST');
    expect(pre.headers['access-control-max-age']).toBe('86400');
    expect(v1.received.length).toBe(before + 1);
  });

  test('empty subset: 503 no healthy upstream; undefined subset: 503 empty', async () => {
    const e = await gw('/empty');
    expect([e.status, e.body]).toEqual([503, 'no healthy upstream']);
    const u = await gw('/undefined');
    expect([u.status, u.body]).toEqual([503, '']);
  });

  test('request id kept; trace context propagated with a new span', async () => {
    const before = v1.received.length;
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const r = await gw('/x', { headers: { 'x-request-id': 'req-42', traceparent: parent } });
    expect(r.headers['x-request-id']).toBe('req-42');
    const got = v1.received[before]!;
    expect(got.headers['x-request-id']).toBe('req-42');
    const tp = String(got.headers.traceparent);
    expect(tp).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(tp).not.toBe(parent);
  });

  test('a loopback caller is internal unless it relays someone else\'s request (x-forwarded-for), as in Envoy', async () => {
    const before = v1.received.length;
    await gw('/x');
    await gw('/x', { headers: { 'x-forwarded-for': '203.0.113.9', 'x-envoy-internal': 'true' } });
    const [direct, relayed] = [v1.received[before]!.headers, v1.received[before + 1]!.headers];
    expect([direct['x-envoy-internal'], direct['x-envoy-external-address']]).toEqual(['true', undefined]);
    expect([relayed['x-envoy-internal'], relayed['x-envoy-external-address'], relayed['x-forwarded-for']]).toEqual([undefined, '127.0.0.1', '203.0.113.9, 127.0.0.1']);
  });

  test('large bodies stream through (past the retry buffer) and many headers arrive intact', async () => {
    const before = v1.received.length;
    const big = 'x'.repeat(3 * 1024 * 1024);
    const headers = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-h-${i}`, `v${i}`]));
    const r = await gw('/upload', { method: 'POST', body: big, headers });
    expect(r.status).toBe(200);
    const got = v1.received[before]!;
    expect(got.body.length).toBe(big.length);
    for (let i = 0; i < 100; i++) expect(got.headers[`x-h-${i}`]).toBe(`v${i}`);
  });

  test('escaped slashes are rejected (400) before routing', async () => {
    expect((await gw('/api%2Fitems')).status).toBe(400);
  });

  test('a config change takes effect under traffic without errors', async () => {
    const yaml = (subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: switch, namespace: default}
spec:
  hosts: [switch.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: app.internal, subset: ${subset}}}]}]
`;
    await applyAndSync(mesh, yaml('v1'));
    expect(serverOf((await gw('/', { host: 'switch.example.com' })).body)).toBe('v1');
    const statuses = new Set<number>();
    let stop = false;
    const traffic = (async () => {
      while (!stop) statuses.add((await gw('/', { host: 'switch.example.com' })).status);
    })();
    await applyAndSync(mesh, yaml('v3'));
    const after = await gw('/', { host: 'switch.example.com' });
    stop = true;
    await traffic;
    expect(serverOf(after.body)).toBe('v3');
    expect([...statuses]).toEqual([200]);
  });
});

async function waitFor<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
