// bench/proxy: requests/s, latency and workerd CPU per request through the ingress gateway (a
// realistic VirtualService: 10 routes, weights, retries, header operations) against three Hono
// baselines on the same runtime and upstream, in alternating rounds of one run (see below).
// Prints figures and ratios; never a test. `npm run bench -- bench/proxy.ts` runs it alone.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMesh } from '../src/cli/dev/mesh.ts';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const upstream = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upPort = (upstream.address() as AddressInfo).port;

const dir = mkdtempSync(join(tmpdir(), 'meshgate-bench-'));
// Baselines, each a Hono app on the same runtime and upstream: `bare` hands the incoming request
// straight to fetch (the least a Worker can do); `hono` is Hono's reverse-proxy helper, which also
// strips hop-by-hop headers both ways and re-wraps the response, as a correct HTTP proxy must;
// `floor` does inline, with no routing, the header and timeout work the gateway's contract requires.
const baselines = ['bare', 'hono', 'floor'] as const;
for (const b of baselines) {
  await build({ entryPoints: [join(import.meta.dirname, `fixtures/${b}-proxy.ts`)], bundle: true, format: 'esm', platform: 'neutral', outfile: join(dir, `${b}.mjs`), mainFields: ['module', 'main'], logLevel: 'error' });
}

const mesh = await startMesh({
  adminPort: 0, ingressPort: 0, egressPort: 0, workerLogs: 'silent',
  extraWorkers: baselines.map((b) => ({ name: `${b}-proxy`, modules: true, modulesRoot: dir, scriptPath: join(dir, `${b}.mjs`), compatibilityDate: '2026-04-20', bindings: { UPSTREAM: `http://127.0.0.1:${upPort}` }, unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] })),
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
const helperUrl = String(await mesh.mf.unsafeGetDirectURL('hono-proxy'));
const floorUrl = String(await mesh.mf.unsafeGetDirectURL('floor-proxy'));

// workerd's CPU time (Linux /proc), to print the CPU each request costs beside the throughput.
function workerdCpuMs(): (() => number) | undefined {
  try {
    const pid = execSync(`pgrep -P ${process.pid} -x workerd`, { encoding: 'utf8' }).trim().split('\n')[0];
    const hz = 100; // USER_HZ: /proc reports clock ticks of 10 ms
    const read = () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / hz;
    };
    read();
    return read;
  } catch {
    return undefined;
  }
}
const cpuMs = workerdCpuMs();

interface Round { rps: number; p50: number; p99: number; errors: number; cpuUsPerReq?: number }
async function run(url: string, seconds = DURATION_S): Promise<Round> {
  const c0 = cpuMs?.();
  const r = await autocannon({ url: `${url.replace(/\/$/, '')}/api/items?x=1`, connections: CONNECTIONS, duration: seconds });
  const c1 = cpuMs?.();
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, ...(c0 !== undefined && c1 !== undefined && r.requests.total ? { cpuUsPerReq: ((c1 - c0) * 1000) / r.requests.total } : {}) };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const direct = await run(`http://127.0.0.1:${upPort}`);
// Warm both (JIT, connection pools), then alternate them so drift on a shared machine falls on both alike.
await run(bareUrl, 1);
await run(helperUrl, 1);
await run(floorUrl, 1);
await run(mesh.ingressUrl, 1);
const bare: Round[] = [];
const helper: Round[] = [];
const floor: Round[] = [];
const gw: Round[] = [];
for (let i = 0; i < ROUNDS; i++) {
  bare.push(await run(bareUrl));
  helper.push(await run(helperUrl));
  floor.push(await run(floorUrl));
  gw.push(await run(mesh.ingressUrl));
}
const row = (target: string, rs: Round[]) => ({
  target,
  'req/s': Math.round(median(rs.map((r) => r.rps))),
  'p50 ms': median(rs.map((r) => r.p50)),
  'p99 ms': median(rs.map((r) => r.p99)),
  'workerd CPU µs/req': rs[0]?.cpuUsPerReq !== undefined ? Math.round(median(rs.map((r) => r.cpuUsPerReq!))) : 'n/a',
  errors: rs.reduce((a, r) => a + r.errors, 0),
});
console.log(`\nbench/proxy — ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S}s (medians), one machine (load generator and upstream included)`);
console.table([{ ...row('upstream direct', [direct]), 'workerd CPU µs/req': '-' }, row('bare Hono proxy: fetch(c.req.raw)', bare), row('Hono proxy helper (hono/proxy)', helper), row('floor: required headers inline', floor), row('meshgate ingress gateway', gw)]);
const ratioLine = (label: string, xs: Round[], base: Round[], goal = '') => {
  const ratios = xs.map((x, i) => x.rps / base[i]!.rps);
  const cpu = cpuMs ? `; CPU ${Math.round(median(xs.map((x, i) => x.cpuUsPerReq! - base[i]!.cpuUsPerReq!))).toString().replace(/^(?!-)/, '+')} µs/request` : '';
  console.log(`${label}: ${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})${cpu}${goal}`);
};
console.log('throughput ratios (median of per-round ratios; CPU: workerd process, all workers, median per-round difference):');
ratioLine('  gateway / bare proxy', gw, bare, '; goal ≥ 0.9');
ratioLine('  gateway / Hono proxy helper', gw, helper);
ratioLine('  gateway / floor', gw, floor);
ratioLine('  floor / bare proxy (the most the contract\'s header work leaves on this runtime)', floor, bare);
await mesh.stop();
upstream.close();
