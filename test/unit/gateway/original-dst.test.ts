import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { buildPushContext } from '../../../src/xds/push-context.ts';
import { generateSnapshot } from '../../../src/xds/generate.ts';
import { compileSnapshot } from '../../../src/gateway/compile.ts';
import { handle } from '../../../src/gateway/pipeline.ts';
import { UpstreamState } from '../../../src/gateway/upstream/index.ts';
import { upstreamUrl, type UpstreamRequest } from '../../../src/gateway/router/upstream.ts';
import { testRuntime } from '../../../src/gateway/runtime.ts';

// A `resolution: NONE` ServiceEntry at the egress gateway passes the request through to the host
// it was headed for (ORIGINAL_DST); a port's `targetPort` replaces the request's port there
// (Istio PassthroughTargetPorts → original_dst_lb_config.upstream_port_override). Real HTTP on
// localhost: the upstream answers only on its own port.

let server: Server;
let port = 0;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.headers.host} ${req.url}`);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

async function egress(targetPort: string, extra = '', host = 'localhost') {
  const r = loadManifest(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: local, namespace: default}
spec:
  hosts: [${host}]
  resolution: NONE
  ports: [{number: 80, name: http, protocol: HTTP${targetPort}}]
${extra}`);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const push = buildPushContext(r.resources.map((x) => x.resource), 1);
  const { snapshot } = await generateSnapshot(push, { id: 'egw', role: 'egress', namespace: 'istio-system', labels: { istio: 'egressgateway' } });
  return compileSnapshot(snapshot, new UpstreamState(), testRuntime(7));
}

const rt = testRuntime(3);
const send = (cfg: Awaited<ReturnType<typeof egress>>, path: string) =>
  handle(cfg, { request: new Request(`http://localhost${path}`), role: 'egress', edgePort: 80, clientIp: '10.0.0.9', internal: true, env: {}, waitUntil: () => {} }, rt);

test('targetPort replaces the port the request was headed for', async () => {
  const cfg = await egress(`, targetPort: ${port}`);
  const r = await send(cfg, '/via-target-port');
  expect([r.status, await r.text()]).toEqual([200, 'ok']);
  expect(seen.at(-1)).toBe(`localhost:${port} /via-target-port`);
});

test('a DestinationRule originating TLS sends it over https to the target port (Istio egress TLS origination)', async () => {
  const cfg = await egress(', targetPort: 443', `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: local, namespace: default}
spec:
  host: httpbin.org
  trafficPolicy:
    portLevelSettings:
    - port: {number: 80}
      tls: {mode: SIMPLE}
`, 'httpbin.org');
  const cluster = cfg.clusters.get('outbound|80||httpbin.org')!;
  const req = { pathAndQuery: '/get', originalScheme: 'http', originalHost: 'httpbin.org', originalPort: 80 } as UpstreamRequest;
  expect(upstreamUrl(cluster, cluster.pick({}) as never, req)).toBe('https://httpbin.org:443/get');
});

test('a Host that is no valid authority, or not written as a URL writes it, is refused (400), never routed on one host and sent to another', async () => {
  // REGISTRY_ONLY with a wildcard ServiceEntry: each Host below ends in `.example.com`, while the
  // request URL names localhost, where the upstream listens.
  const cfg = await egress(`, targetPort: ${port}`, `---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`, '"*.example.com"');
  const before = seen.length;
  // Nor one that `fetch` would read as another host: 127.0.0.1 spelt percent-encoded, in hex, as one number.
  for (const host of ['localhost/.example.com', 'localhost\t.example.com', 'localhost?.example.com', 'localhost#.example.com', 'a b.example.com', '127.0.0.%31', '0x7f.0.0.1', '2130706433', '[::ffff:7f00:1]', '[::ffff:127.0.0.1]']) {
    const request = new Request('http://localhost/secret', { headers: { host } });
    const r = await handle(cfg, { request, role: 'egress', edgePort: 80, clientIp: '10.0.0.9', internal: true, env: {}, waitUntil: () => {} }, rt);
    expect([host, r.status]).toEqual([host, 400]);
  }
  expect(seen.length).toBe(before);
  // The same host written validly is routed by the ServiceEntry, to the host it names.
  const ok = await handle(cfg, { request: new Request('http://localhost/secret', { headers: { host: 'localhost' } }), role: 'egress', edgePort: 80, clientIp: '10.0.0.9', internal: true, env: {}, waitUntil: () => {} }, rt);
  expect(ok.status).toBe(502);
});

test("two DestinationRules whose client certificates share a base name are NACKed, never mixed up", async () => {
  const dr = (host: string, dir: string) => `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${dir}, namespace: default}
spec:
  hosts: [${host}]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${dir}, namespace: default}
spec:
  host: ${host}
  trafficPolicy:
    tls: {mode: MUTUAL, clientCertificate: /etc/istio/${dir}/tls.crt, privateKey: /etc/istio/${dir}/tls.key}
`;
  const r = loadManifest(`${dr('a.partner.test', 'a-certs')}${dr('b.partner.test', 'b-certs')}`);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const { snapshot } = await generateSnapshot(buildPushContext(r.resources.map((x) => x.resource), 1), { id: 'egw', role: 'egress', namespace: 'istio-system', labels: { istio: 'egressgateway' } });
  expect(() => compileSnapshot(snapshot, new UpstreamState(), testRuntime(7))).toThrow(/both map to binding MTLS_TLS/);
});
