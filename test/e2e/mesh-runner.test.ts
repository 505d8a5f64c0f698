import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningMesh } from '../../src/cli/dev/mesh.ts';
import { applyAndSync, syncz, testMesh } from './support/mesh.ts';
import { send, upstream, type Upstream } from './support/upstreams.ts';

// The local mesh the e2e tests (and `meshgate dev`) run on: free ports, the admin API's token,
// config that takes effect as soon as applyAndSync returns, extra workers as `worker:NAME`
// endpoints. One mesh for the file.

let mesh: RunningMesh;
let echo: Upstream;

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
  echo = await upstream('echo-a');
  mesh = await testMesh({
    extraWorkers: [{ name: 'hello-worker', modules: true, compatibilityDate: '2026-04-20', script: `export default { fetch(r) { return new Response('hello from a worker ' + new URL(r.url).pathname) } }` }],
  });
});
afterAll(async () => {
  await mesh?.stop();
  await echo?.close();
});

describe('the local mesh', () => {
  test('free ports, /healthz 200, token required', async () => {
    for (const u of [mesh.adminUrl, mesh.ingressUrl, mesh.egressUrl]) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(Object.values(mesh.ports)).size).toBe(3);
    expect((await fetch(`${mesh.adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${mesh.adminUrl}/debug/syncz`)).status).toBe(401);
  });

  test('applyAndSync returns once both gateways run the change; traffic reaches the upstream', async () => {
    const first = await applyAndSync(mesh, config(echo.port, '/one'));
    expect(first.results.map((r) => r.action)).toEqual(['created', 'created', 'created', 'created']);
    const rows = await syncz(mesh);
    expect(rows.filter((r) => r.status === 'SYNCED').map((r) => r.proxy).sort()).toEqual(['istio-egressgateway', 'istio-ingressgateway']);
    echo.received.length = 0;
    const r = await send(mesh.ingressUrl, '/one/x?q=1', { host: 'echo.example.com' });
    expect(r.status).toBe(200);
    expect(echo.received.map((x) => [x.server, x.url])).toEqual([['echo-a', '/one/x?q=1']]);

    // A change takes effect as soon as applyAndSync returns: no sleeping, no retries.
    await applyAndSync(mesh, config(echo.port, '/two'));
    expect((await send(mesh.ingressUrl, '/one/x', { host: 'echo.example.com' })).status).toBe(404);
    expect((await send(mesh.ingressUrl, '/two/x', { host: 'echo.example.com' })).status).toBe(200);
  });

  test('idle gateways pick up an apply on their own: syncz turns SYNCED on the newest snapshot with no traffic', async () => {
    await mesh.apply(config(echo.port, '/idle'));
    const synced = (rows: Awaited<ReturnType<typeof syncz>>) => rows.length >= 2 && rows.every((r) => r.status === 'SYNCED' && r.version === r.latest);
    let rows = await syncz(mesh);
    for (const until = Date.now() + 10_000; !synced(rows) && Date.now() < until; rows = await syncz(mesh)) await new Promise((r) => setTimeout(r, 100));
    expect(rows.map((r) => [r.proxy, r.status, r.version === r.latest]).sort()).toEqual([['istio-egressgateway', 'SYNCED', true], ['istio-ingressgateway', 'SYNCED', true]]);
  });

  test('extra workers are service bindings of the gateways (worker:NAME endpoints)', async () => {
    const r = await send(mesh.ingressUrl, '/hello/there', { host: 'echo.example.com' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from a worker /hello/there');
  });

  test('an invalid manifest is rejected with the API errors, nothing applied', async () => {
    await expect(mesh.apply('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bad}\nspec: {hosts: []}\n')).rejects.toMatchObject({ name: 'ApiError', status: 400 });
  });

  test('a request that gets no answer fails with a clear message instead of hanging the test', async () => {
    await expect(send(`http://127.0.0.1:${echo.port}`, '/?delay=2000', { timeoutMs: 200 })).rejects.toThrow(/no answer within 200 ms/);
  });
});
