import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadManifest } from '../../../../../src/config/manifest.ts';
import { buildPushContext } from '../../../../../src/xds/push-context.ts';
import { generateSnapshot } from '../../../../../src/xds/generate.ts';
import { compileSnapshot } from '../../../../../src/gateway/compile.ts';
import { handle } from '../../../../../src/gateway/pipeline.ts';
import { UpstreamState } from '../../../../../src/gateway/upstream/index.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';

// Only jwt_authn re-selects the route (Envoy clears the route cache after it). A header an
// ext_authz server adds to the upstream request (headersToUpstreamOnAllow) never does, as
// Envoy's ext_authz leaves the route cache alone: otherwise the request would reach a
// destination whose policies never judged it. Real HTTP on 127.0.0.1 for the upstream and the
// authorizer.

let up: Server;
let az: Server;
let port = 0;
let azPort = 0;
const seen: Record<string, unknown>[] = [];
beforeAll(async () => {
  up = createServer((req, res) => {
    seen.push(req.headers);
    res.end('ok');
  });
  az = createServer((_req, res) => {
    res.writeHead(200, { 'x-tenant': 'admin' });
    res.end();
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => az.listen(0, '127.0.0.1', r));
  port = (up.address() as AddressInfo).port;
  azPort = (az.address() as AddressInfo).port;
});
afterAll(() => {
  up.close();
  az.close();
});

test("an ext_authz header on the upstream request does not re-route past the other destination's policies", async () => {
  const yaml = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    extensionProviders:
    - name: authz
      envoyExtAuthzHttp: {service: 127.0.0.1, port: ${azPort}, headersToUpstreamOnAllow: [x-tenant]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: shop}
spec:
  hosts: [api.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: ${port}, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: admin, namespace: admin}
spec:
  hosts: [admin.admin.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: ${port}, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [gw]
  http:
  - match: [{headers: {x-tenant: {exact: admin}}}]
    route: [{destination: {host: admin.admin.svc.cluster.local}, headers: {request: {set: {x-dest: admin}}}}]
  - route: [{destination: {host: api.shop.svc.cluster.local}, headers: {request: {set: {x-dest: api}}}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: shop}
spec:
  action: CUSTOM
  provider: {name: authz}
  rules: [{to: [{operation: {paths: ["/*"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all, namespace: admin}
spec:
  action: DENY
  rules: [{}]
`;
  const r = loadManifest(yaml);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const push = buildPushContext(r.resources.map((x) => x.resource), 1);
  const { snapshot } = await generateSnapshot(push, { id: 'gw', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } });
  const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(7));
  const send = (h: Record<string, string>) => handle(cfg, { request: new Request('http://shop.example.com/x', { headers: h }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: {}, waitUntil: () => {} }, testRuntime(3));
  seen.length = 0;
  const res = await send({});
  // The route matched before the authorizer answered: api, with the authorizer's header.
  expect(res.status).toBe(200);
  expect([seen[0]?.['x-dest'], seen[0]?.['x-tenant']]).toEqual(['api', 'admin']);
  // A client that sends the header up front is routed to admin, whose DENY applies.
  expect((await send({ 'x-tenant': 'admin' })).status).toBe(403);
});
