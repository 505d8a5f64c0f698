import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyAndSync, echoServer, send, startTestMesh, syncz, type EchoRequest, type EchoServer, type TestMesh } from './index.ts';

// The harness itself: echo upstreams, startTestMesh, applyAndSync, extra workers as `worker:`
// endpoints. One mesh for the file.

let mesh: TestMesh;
let echo: EchoServer;

const config = (port: number, prefix: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${port}}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: hello, namespace: default}
spec:
  hosts: [hello.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: "worker:HELLO_WORKER"}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo.example.com]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: ${prefix}}}]
    route: [{destination: {host: echo.internal}}]
  - match: [{uri: {prefix: /hello}}]
    route: [{destination: {host: hello.internal}}]
`;

beforeAll(async () => {
  echo = await echoServer('echo-a');
  mesh = await startTestMesh({
    extraWorkers: [{ name: 'hello-worker', modules: true, compatibilityDate: '2026-04-20', script: `export default { fetch(r) { return new Response('hello from a worker ' + new URL(r.url).pathname) } }` }],
  });
});
afterAll(async () => {
  await mesh?.stop();
  await echo?.close();
});

describe('echoServer', () => {
  test('echoes method, raw path with query, headers and body; honours status, size and delay; counts', async () => {
    echo.reset();
    const r = await send(echo.url, '/a/b?x=1&y=%2F', { method: 'POST', body: 'hi', headers: { 'x-test': '1' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-echo-server']).toBe('echo-a');
    expect(r.json<EchoRequest>()).toMatchObject({ server: 'echo-a', method: 'POST', path: '/a/b?x=1&y=%2F', body: 'hi', headers: { 'x-test': '1' } });
    expect((await send(echo.url, '/?status=503')).status).toBe(503);
    expect((await send(echo.url, '/?size=1000')).body).toBe('x'.repeat(1000));
    const t0 = Date.now();
    await send(echo.url, '/?delay=120');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    expect(echo.count).toBe(4);
  });
});

describe('startTestMesh + applyAndSync', () => {
  test('free ports, /healthz 200, token required', async () => {
    for (const u of [mesh.adminUrl, mesh.ingressUrl, mesh.egressUrl]) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(Object.values(mesh.ports)).size).toBe(3);
    expect((await fetch(`${mesh.adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${mesh.adminUrl}/debug/syncz`)).status).toBe(401);
  });

  test('applyAndSync returns once both gateways run the change; traffic reaches the echo server', async () => {
    const first = await applyAndSync(mesh, config(echo.port, '/one'));
    expect(first.results.map((r) => r.action)).toEqual(['created', 'created', 'created', 'created']);
    const rows = await syncz(mesh);
    expect(rows.filter((r) => r.status === 'SYNCED').map((r) => r.proxy).sort()).toEqual(['istio-egressgateway', 'istio-ingressgateway']);
    echo.reset();
    const r = await mesh.ingress('/one/x?q=1', { host: 'echo.example.com' });
    expect(r.status).toBe(200);
    expect(r.json<EchoRequest>()).toMatchObject({ server: 'echo-a', path: '/one/x?q=1' });
    expect(echo.count).toBe(1);

    // A change takes effect as soon as applyAndSync returns: no sleeping, no retries.
    await applyAndSync(mesh, config(echo.port, '/two'));
    expect((await mesh.ingress('/one/x', { host: 'echo.example.com' })).status).toBe(404);
    expect((await mesh.ingress('/two/x', { host: 'echo.example.com' })).status).toBe(200);
  });

  test('extra workers are service bindings of the gateways (worker:NAME endpoints)', async () => {
    const r = await mesh.ingress('/hello/there', { host: 'echo.example.com' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from a worker /hello/there');
  });

  test('an invalid manifest is rejected with the API errors, nothing applied', async () => {
    await expect(mesh.apply('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad}\nspec: {hosts: []}\n')).rejects.toMatchObject({ name: 'ApiError', status: 400 });
  });
});
