import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningMesh } from '../../src/cli/dev/mesh.ts';
import { applyAndSync, testMesh } from './support/mesh.ts';
import { createServer } from 'node:net';
import { eventually, send, upstream, type Reply, type Upstream } from './support/upstreams.ts';

// DestinationRule traffic policy end to end: outlier ejection, circuit-breaker overflow,
// consistent-hash stickiness with a generated cookie, round robin.

let mesh: RunningMesh;
let a: Upstream, b: Upstream, bad: Upstream;
let closed: number;
const gw = (host: string, path: string, opts: Parameters<typeof send>[2] = {}) => send(mesh.ingressUrl, path, { ...opts, host });
const serverOf = (body: string) => (JSON.parse(body) as { server: string }).server;

const service = (name: string, policy: string, second = () => b.port) => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${name}.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${a.port}}}
  - {address: 127.0.0.1, ports: {http: ${second()}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: default}
spec:
  host: ${name}.internal
  trafficPolicy:
${policy}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${name}.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: ${name}.internal}}]}]
`;

beforeAll(async () => {
  [a, b, bad] = await Promise.all([upstream('a'), upstream('b'), upstream('bad', { status: 503 })]);
  // A loopback port nothing listens on: bound, then released.
  closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  mesh = await testMesh();
  await applyAndSync(mesh, `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.example.com"]}]
${service('rr', '    loadBalancer: {simple: ROUND_ROBIN}')}
${service('eject', `    loadBalancer: {simple: ROUND_ROBIN}
    outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}`, () => bad.port)}
${service('sticky', `    loadBalancer:
      consistentHash:
        httpCookie: {name: session, ttl: 3600s}`)}
${service('refused', '    loadBalancer: {simple: ROUND_ROBIN}', () => closed)}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: down, namespace: default}
spec:
  hosts: [down.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${closed}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: down, namespace: default}
spec:
  hosts: [down.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: down.internal}}]}]
${service('narrow', `    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1}`)}
`);
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
  await Promise.all([a, b, bad].map((u) => u?.close()));
});

describe('traffic policy, end to end', () => {
  test('ROUND_ROBIN alternates between the two endpoints', async () => {
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(serverOf((await gw('rr.example.com', '/')).body));
    expect(seen.filter((s) => s === 'a').length).toBe(3);
    expect(seen.filter((s) => s === 'b').length).toBe(3);
  });

  test('an endpoint answering 5xx twice in a row is ejected; traffic goes to the other', async () => {
    // Round robin over a healthy endpoint and one that always answers 503: after its second 503
    // the bad one is ejected for baseEjectionTime and every request reaches the healthy one.
    const warmup = [];
    for (let i = 0; i < 6; i++) warmup.push((await gw('eject.example.com', '/')).status);
    expect(warmup.filter((s) => s === 503).length).toBe(2);
    const before = bad.received.length;
    for (let i = 0; i < 10; i++) {
      const r = await gw('eject.example.com', '/');
      expect([r.status, serverOf(r.body)]).toEqual([200, 'a']);
    }
    expect(bad.received.length).toBe(before);
  });

  test('an upstream that drops the connection before answering: 503 connection termination (Envoy UC)', async () => {
    const r = await gw('rr.example.com', '/?reset=1');
    expect([r.status, r.body]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination']);
  });

  test('a refused connection is a connect failure: retried on the other endpoint by the default policy; alone, 503 connection failure', async () => {
    // workerd reports refused and dropped connections alike; the gateway's probe tells them apart.
    const before = a.received.length;
    for (let i = 0; i < 4; i++) {
      const r = await gw('refused.example.com', '/');
      expect([r.status, serverOf(r.body)]).toEqual([200, 'a']);
    }
    expect(a.received.length - before).toBe(4);
    const down = await gw('down.example.com', '/');
    expect([down.status, down.body]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure']);
  });

  test('consistent hash: a generated cookie pins the client to one endpoint', async () => {
    const first = await gw('sticky.example.com', '/');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toMatch(/^session="[0-9a-f]+"$/);
    const servers = new Set<string>();
    for (let i = 0; i < 10; i++) servers.add(serverOf((await gw('sticky.example.com', '/', { headers: { cookie } })).body));
    expect(servers.size).toBe(1);
  });

  test('connection pool overflow answers 503 with x-envoy-overloaded', async () => {
    // maxConnections 1 + http1MaxPendingRequests 1: with the first request held at the upstream,
    // one more waits in the gateway and the other four overflow.
    const settled: Reply[] = [];
    const inFlight = Array.from({ length: 6 }, () => gw('narrow.example.com', '/?hold=1').then((r) => (settled.push(r), r)));
    await eventually(async () => settled.length, (n) => n >= 4);
    expect(a.held + b.held).toBe(1);
    a.release();
    b.release();
    const replies = await Promise.all(inFlight);
    const overflowed = replies.filter((r) => r.status === 503);
    expect(overflowed).toHaveLength(4);
    for (const r of overflowed) {
      expect(r.headers['x-envoy-overloaded']).toBe('true');
      expect(r.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: overflow');
    }
    expect(replies.filter((r) => r.status === 200)).toHaveLength(2);
  });
});
