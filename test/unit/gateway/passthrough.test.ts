import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { buildPushContext } from '../../../src/xds/push-context.ts';
import { generateSnapshot } from '../../../src/xds/generate.ts';
import { compileSnapshot } from '../../../src/gateway/compile.ts';
import { handle } from '../../../src/gateway/pipeline.ts';
import { UpstreamState } from '../../../src/gateway/upstream/index.ts';
import { testRuntime } from '../../../src/gateway/runtime.ts';
import { SVID_HEADER } from '../../../src/mtls/workload-identity.ts';

// The egress gateway under ALLOW_ANY passes a request to a port no listener serves through to
// where it was headed (PassthroughCluster). It still goes through the listener filters, as every
// request through Envoy goes through a listener's filter chain, and gateway credentials stay
// behind. Real HTTP on 127.0.0.1: the "external" server is on a port the mesh does not declare.

let server: Server;
let port = 0;
const seen: Record<string, string | string[] | undefined>[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.end('external');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

async function egress(yaml: string) {
  const r = loadManifest(yaml);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const push = buildPushContext(r.resources.map((x) => x.resource), 1);
  const { snapshot } = await generateSnapshot(push, { id: 'egw', role: 'egress', namespace: 'istio-system', labels: { istio: 'egressgateway' } });
  return compileSnapshot(snapshot, new UpstreamState(), testRuntime(7));
}

const send = (cfg: Awaited<ReturnType<typeof egress>>, url: string, edgePort: number, headers: Record<string, string> = {}) =>
  handle(cfg, { request: new Request(url, { headers }), role: 'egress', edgePort, clientIp: null, internal: true, env: {}, waitUntil: () => {} }, testRuntime(3));

test("a port no listener serves is behind the gateway's policies like any other", async () => {
  const cfg = await egress(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-secret, namespace: istio-system}
spec:
  action: DENY
  rules: [{to: [{operation: {paths: [/secret]}}]}]
`);
  const denied = await send(cfg, `http://127.0.0.1:${port}/secret`, port);
  expect([denied.status, await denied.text()]).toEqual([403, 'RBAC: access denied']);
  const passed = await send(cfg, `http://127.0.0.1:${port}/public`, port);
  expect([passed.status, await passed.text()]).toEqual([200, 'external']);
});

test('a STRICT PeerAuthentication for the egress gateway covers undeclared ports', async () => {
  const cfg = await egress(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: egress-strict, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: egressgateway}}
  mtls: {mode: STRICT}
`);
  expect((await send(cfg, `http://127.0.0.1:${port}/`, port)).status).toBe(403);
});

test("a Worker's JWT-SVID never goes to a passthrough destination", async () => {
  const cfg = await egress(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: other, namespace: default}
spec:
  hosts: [other.example]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
`);
  seen.length = 0;
  const res = await send(cfg, `http://127.0.0.1:${port}/`, port, { [SVID_HEADER]: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln' });
  expect(res.status).toBe(200);
  expect(seen[0]![SVID_HEADER]).toBeUndefined();
});
