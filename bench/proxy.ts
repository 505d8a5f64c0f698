// bench/proxy: requests/s and latency through the ingress gateway (a realistic VirtualService:
// 10 routes, weights, retries, header operations) against a bare pass-through Hono proxy on the
// same runtime, same upstream, same run. Prints figures and the ratio; never a test.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMesh } from '../src/cli/dev/mesh.ts';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

const upstream = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upPort = (upstream.address() as AddressInfo).port;

const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-'));
await build({ entryPoints: [join(import.meta.dirname, 'fixtures/bare-proxy.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: join(dir, 'bare.mjs'), mainFields: ['module', 'main'], logLevel: 'error' });

const mesh = await startMesh({
  adminPort: 0, ingressPort: 0, egressPort: 0, workerLogs: 'silent',
  extraWorkers: [{ name: 'bare-proxy', modules: true, modulesRoot: dir, scriptPath: join(dir, 'bare.mjs'), compatibilityDate: '2026-04-20', bindings: { UPSTREAM: `http://127.0.0.1:${upPort}` }, unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] }],
});
const routes = Array.from({ length: 9 }, (_, i) => `  - match: [{uri: {prefix: /svc${i}/}, headers: {x-tenant: {exact: t${i}}}}]
    route: [{destination: {host: web.internal, subset: a}, weight: 90}, {destination: {host: web.internal, subset: b}, weight: 10}]
    headers: {request: {set: {x-route: r${i}}}}`).join('\n');
await mesh.apply(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: web, namespace: default}
spec:
  hosts: [web.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${upPort}}, labels: {v: a}}
  - {address: 127.0.0.1, ports: {http: ${upPort}}, labels: {v: b}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: default}
spec:
  host: web.internal
  subsets: [{name: a, labels: {v: a}}, {name: b, labels: {v: b}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
${routes}
  - retries: {attempts: 2, retryOn: "5xx,connect-failure"}
    timeout: 10s
    headers: {request: {set: {x-route: default}, remove: [x-debug]}, response: {add: {x-mesh: meshgate}}}
    route: [{destination: {host: web.internal, subset: a}, weight: 50}, {destination: {host: web.internal, subset: b}, weight: 50}]
`);
// Let the gateway pick the config up.
for (let i = 0; i < 50; i++) {
  const r = await fetch(`${mesh.ingressUrl}/warm`);
  if (r.status === 200) break;
  await new Promise((res) => setTimeout(res, 100));
}
const bareUrl = String(await mesh.mf.unsafeGetDirectURL('bare-proxy'));

async function run(name: string, url: string) {
  const r = await autocannon({ url: `${url.replace(/\/$/, '')}/api/items?x=1`, connections: CONNECTIONS, duration: DURATION_S });
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}
const direct = await run('upstream direct', `http://127.0.0.1:${upPort}`);
const bare = await run('bare Hono proxy (workerd)', bareUrl);
const gw = await run('meshgate ingress gateway', mesh.ingressUrl);
console.log(`\nbench/proxy — ${CONNECTIONS} connections, ${DURATION_S}s each, one 2-core machine (load generator included)`);
console.table([direct, bare, gw].map((r) => ({ target: r.name, 'req/s': Math.round(r.rps), 'p50 ms': r.p50, 'p99 ms': r.p99, errors: r.errors })));
console.log(`gateway / bare proxy throughput ratio: ${(gw.rps / bare.rps).toFixed(2)} (goal ≥ 0.9)`);
await mesh.stop();
upstream.close();
