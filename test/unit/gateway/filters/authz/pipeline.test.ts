import { describe, expect, test } from 'vitest';
import { generateSnapshot } from '../../../../../src/xds/generate.ts';
import { compileSnapshot } from '../../../../../src/gateway/compile.ts';
import { handle } from '../../../../../src/gateway/pipeline.ts';
import { UpstreamState } from '../../../../../src/gateway/upstream/index.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import { ap, ingress, meshConfig, pushOf } from './helpers.ts';
import { jwks, makeKey, sign, START } from '../jwt/helpers.ts';

// The authorization filters as the pipeline runs them: listener policies and the destination stage
// on the matched route, on the normalized path; the upstream is a service-binding stand-in.

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
`;

/** A ServiceEntry `<name>.<ns>.svc.cluster.local` (or `host`) whose one endpoint is the service binding `binding`. */
const workerEntry = (name: string, ns: string, binding: string, port = 80, host = `${name}.${ns}.svc.cluster.local`) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${host}]
  ports: [{number: ${port}, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: "worker:${binding}"}]
---
`;

/** The VirtualService `shop/shop` for every host on the gateway; its `http:` routes follow. */
const SHOP_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: shop}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
`;

const yaml = `${GATEWAY}${workerEntry('shop', 'shop', 'SHOP')}${SHOP_VS}  - route: [{destination: {host: shop}}]
---
${ap('deny-admin', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {paths: [/admin, "/admin/*"]}}]}]')}${ap('shop-public', 'shop', '  rules: [{to: [{operation: {paths: ["/public*"], methods: [GET]}}]}]')}`;

describe('through the pipeline', () => {
  test('listener DENY, destination ALLOW, 400 for escaped slashes; the upstream sees the judged path', async () => {
    const { snapshot } = await generateSnapshot(pushOf(yaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1));
    const seen: string[] = [];
    const SHOP = { fetch: async (url: string) => { seen.push(new URL(url).pathname); return new Response('ok'); } };
    const send = (path: string, method = 'GET') =>
      handle(cfg, { request: new Request(`http://app.example.com${path}`, { method }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { SHOP }, waitUntil: () => {} }, testRuntime(2));
    const r1 = await send('/public/a');
    expect(r1.status).toBe(200);
    const r2 = await send('/admin');
    expect([r2.status, await r2.text()]).toEqual([403, 'RBAC: access denied']);
    const r3 = await send('/private');
    expect([r3.status, await r3.text()]).toEqual([403, 'RBAC: access denied']);
    expect((await send('/public/..%2fadmin')).status).toBe(400);
    expect((await send('/public//x')).status).toBe(200);
    expect((await send('/public', 'POST')).status).toBe(403);
    expect(seen).toEqual(['/public/a', '/public/x']);
  });
});

describe('a subset defined by a DestinationRule that selects the gateway (workloadSelector)', () => {
  test("the destination stage judges the subset's endpoints, not every endpoint of the service", async () => {
    const subsetYaml = `${GATEWAY}apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shop, namespace: shop}
spec:
  hosts: [shop.shop.svc.cluster.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints:
  - {address: "worker:V1", labels: {version: v1}}
  - {address: "worker:V2", labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop-at-gateway, namespace: istio-system}
spec:
  host: shop.shop.svc.cluster.local
  workloadSelector: {matchLabels: {istio: ingressgateway}}
  subsets: [{name: v2, labels: {version: v2}}]
---
${SHOP_VS}  - route: [{destination: {host: shop, subset: v2}}]
---
${ap('deny-v1', 'shop', '  selector: {matchLabels: {version: v1}}\n  action: DENY\n  rules: [{}]')}`;
    const { snapshot } = await generateSnapshot(pushOf(subsetYaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1));
    const seen: string[] = [];
    const binding = (name: string) => ({ fetch: async () => (seen.push(name), new Response('ok')) });
    const res = await handle(cfg, { request: new Request('http://app.example.com/x'), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { V1: binding('v1'), V2: binding('v2') }, waitUntil: () => {} }, testRuntime(2));
    expect(res.status).toBe(200); // v1's DENY policy does not apply to subset v2
    expect(seen).toEqual(['v2']);
  });
});

describe('a denial once a route is chosen', () => {
  test("gets the route's response headers and CORS, as Envoy's local replies do", async () => {
    const corsYaml = yaml.replace("  - route: [{destination: {host: shop}}]", `  - route: [{destination: {host: shop}}]
    headers: {response: {set: {x-served-by: meshgate}}}
    corsPolicy: {allowOrigins: [{exact: "https://app.example"}], allowMethods: [GET]}`);
    const { snapshot } = await generateSnapshot(pushOf(corsYaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1));
    const res = await handle(cfg, { request: new Request('http://app.example.com/admin', { headers: { origin: 'https://app.example' } }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { SHOP: { fetch: async () => new Response('ok') } }, waitUntil: () => {} }, testRuntime(2));
    expect([res.status, await res.text()]).toEqual([403, 'RBAC: access denied']);
    expect([res.headers.get('x-served-by'), res.headers.get('access-control-allow-origin')]).toEqual(['meshgate', 'https://app.example']);
  });
});

describe('the destination stage judges the request the destination would receive', () => {
  const destYaml = (policy: string) => `${GATEWAY}${workerEntry('shop', 'shop', 'SHOP', 9080)}${SHOP_VS}  - match: [{uri: {prefix: /api/}}]
    rewrite: {uri: /, authority: internal.shop}
    route: [{destination: {host: shop}}]
  - route: [{destination: {host: shop}}]
---
${ap('shop-policy', 'shop', policy)}`;
  const run = async (policy: string) => {
    const { snapshot } = await generateSnapshot(pushOf(destYaml(policy)), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1));
    const seen: string[] = [];
    const SHOP = { fetch: async (url: string) => { seen.push(new URL(url).pathname); return new Response('ok'); } };
    const send = (path: string, method = 'GET') =>
      handle(cfg, { request: new Request(`http://app.example.com${path}`, { method }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { SHOP }, waitUntil: () => {} }, testRuntime(2)).then((r) => r.status);
    return { send, seen };
  };

  test("the path and authority after the route's rewrite (a DENY on /admin catches /api/admin)", async () => {
    const { send, seen } = await run('  action: DENY\n  rules: [{to: [{operation: {paths: ["/admin*"]}}]}]');
    expect([await send('/admin'), await send('/api/admin'), await send('/api/ok')]).toEqual([403, 403, 200]);
    expect(seen).toEqual(['/ok']);
    const hosts = await run('  action: DENY\n  rules: [{to: [{operation: {hosts: [internal.shop]}}]}]');
    expect([await hosts.send('/api/x'), await hosts.send('/x')]).toEqual([403, 200]);
  });

  test("ports are the destination's port, not the gateway's (a DENY on 9080 fires; an ALLOW on 9080 allows)", async () => {
    const deny = await run('  action: DENY\n  rules: [{to: [{operation: {ports: ["9080"], methods: [DELETE]}}]}]');
    expect([await deny.send('/x', 'DELETE'), await deny.send('/x')]).toEqual([403, 200]);
    const allow = await run('  rules: [{to: [{operation: {ports: ["9080"]}}]}]');
    expect(await allow.send('/x')).toBe(200);
    const edge = await run('  rules: [{to: [{operation: {ports: ["80"]}}]}]');
    expect(await edge.send('/x')).toBe(403);
  });
});

describe("the egress gateway's default route (a ServiceEntry host no VirtualService routes)", () => {
  test("carries the destination's policies: a DENY there is enforced", async () => {
    const yaml = `${workerEntry('api', 'ext', 'API', 80, 'api.example.com')}${ap('api-deny', 'ext', '  targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: api}]\n  action: DENY\n  rules: [{to: [{operation: {paths: ["/admin*"]}}]}]')}`;
    const { snapshot } = await generateSnapshot(pushOf(yaml), { id: 'egw', role: 'egress', namespace: 'istio-system', labels: { istio: 'egressgateway' } });
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1));
    const seen: string[] = [];
    const API = { fetch: async (url: string) => { seen.push(new URL(url).pathname); return new Response('ok'); } };
    const send = (path: string) =>
      handle(cfg, { request: new Request(`http://api.example.com${path}`), role: 'egress', edgePort: 80, clientIp: null, internal: true, env: { API }, waitUntil: () => {} }, testRuntime(2)).then((r) => r.status);
    expect([await send('/admin/x'), await send('/ok')]).toEqual([403, 200]);
    expect(seen).toEqual(['/ok']);
  });
});

describe('a token taken out of the query by jwt_authn', () => {
  test('the destination stage judges the route the request then takes (both see the query without the token)', async () => {
    const { makeKey, sign, jwks, START } = await import('../jwt/helpers.ts');
    const key = await makeKey('RS256', 'k');
    const token = await sign(key, { iss: 'https://idp.example', sub: 'u' }, { expIn: null });
    const yaml = `${GATEWAY}${workerEntry('shop', 'shop', 'SHOP')}${workerEntry('vault', 'vault', 'VAULT')}${SHOP_VS}  - match: [{queryParams: {access_token: {regex: ".*"}}}]
    route: [{destination: {host: shop.shop.svc.cluster.local}}]
  - route: [{destination: {host: vault.vault.svc.cluster.local}}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  jwtRules: [{issuer: "https://idp.example", jwks: '${jwks(key)}'}]
---
${ap('vault-deny', 'vault', '  action: DENY\n  rules: [{}]')}`;
    const { snapshot } = await generateSnapshot(pushOf(yaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1, START));
    const seen: string[] = [];
    const upstream = (name: string) => ({ fetch: async () => { seen.push(name); return new Response('ok'); } });
    const res = await handle(cfg, { request: new Request(`http://app.example.com/x?access_token=${token}`), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { SHOP: upstream('shop'), VAULT: upstream('vault') }, waitUntil: () => {} }, testRuntime(2, START));
    // Without the token the request goes to vault, whose policy denies everything.
    expect([res.status, seen]).toEqual([403, []]);
  });
});

describe("a mirror's destination policies", () => {
  test('judge the mirrored copy: a copy its DENY covers is not sent; the primary goes on', async () => {
    const yaml = `${GATEWAY}${workerEntry('shop', 'shop', 'SHOP')}${workerEntry('shadow', 'shadow', 'SHADOW')}${SHOP_VS}  - route: [{destination: {host: shop}}]
    mirror: {host: shadow.shadow.svc.cluster.local}
---
${ap('shadow-deny', 'shadow', '  action: DENY\n  rules: [{to: [{operation: {paths: ["/secret*"]}}]}]')}`;
    const { snapshot } = await generateSnapshot(pushOf(yaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1));
    const seen: string[] = [];
    const upstream = (name: string) => ({ fetch: async (url: string) => { seen.push(`${name} ${new URL(url).pathname}`); return new Response('ok'); } });
    const send = async (path: string) => {
      const pending: Promise<unknown>[] = [];
      const res = await handle(cfg, { request: new Request(`http://app.example.com${path}`), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { SHOP: upstream('shop'), SHADOW: upstream('shadow') }, waitUntil: (p) => void pending.push(p) }, testRuntime(2));
      await Promise.all(pending);
      return res.status;
    };
    expect([await send('/secret'), await send('/public')]).toEqual([200, 200]);
    expect(seen.sort()).toEqual(['shadow /public', 'shop /public', 'shop /secret']);
  });
});

describe("a mirror's destination policies and the route destination's token", () => {
  test("judge the copy without the route destination's identity: that RequestAuthentication is not the mirror's", async () => {
    const key = await makeKey('ES256', 'shop');
    const yaml = `${GATEWAY}${workerEntry('shop', 'shop', 'SHOP')}${workerEntry('shadow', 'shadow', 'SHADOW')}${SHOP_VS}  - route: [{destination: {host: shop}}]
    mirror: {host: shadow.shadow.svc.cluster.local}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: shop-jwt, namespace: shop}
spec:
  jwtRules: [{issuer: shop-issuer, jwks: '${jwks(key)}', fromHeaders: [{name: x-shop-token}]}]
---
${ap('shop-only', 'shop', '  rules: [{from: [{source: {requestPrincipals: ["shop-issuer/*"]}}]}]')}${ap('shadow-deny', 'shadow', '  action: DENY\n  rules: [{from: [{source: {requestPrincipals: ["shop-issuer/*"]}}]}]')}`;
    const { snapshot } = await generateSnapshot(pushOf(yaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1, START));
    const seen: string[] = [];
    const upstream = (name: string) => ({ fetch: async (url: string) => { seen.push(`${name} ${new URL(url).pathname}`); return new Response('ok'); } });
    const pending: Promise<unknown>[] = [];
    const headers = { 'x-shop-token': await sign(key, { iss: 'shop-issuer', sub: 'alice' }) };
    const res = await handle(cfg, { request: new Request('http://app.example.com/x', { headers }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { SHOP: upstream('shop'), SHADOW: upstream('shadow') }, waitUntil: (p) => void pending.push(p) }, testRuntime(2, START));
    await Promise.all(pending);
    // shop's ALLOW sees its own token's principal; shadow's DENY on it does not.
    expect(res.status).toBe(200);
    expect(seen.sort()).toEqual(['shadow /x', 'shop /x']);
  });
});

describe("a destination's identity on a weighted route, one issuer for every service", () => {
  test("is a token its own RequestAuthentication accepts: another service's audience is not admin's identity", async () => {
    const key = await makeKey('ES256', 'idp');
    const ra = (ns: string, aud: string) => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: ${ns}}
spec:
  jwtRules: [{issuer: idp, audiences: [${aud}], jwks: '${jwks(key)}'}]
---
`;
    const yaml = `${GATEWAY}${workerEntry('api', 'shop', 'API')}${workerEntry('admin', 'admin', 'ADMIN')}${SHOP_VS}  - route:
    - {destination: {host: api.shop.svc.cluster.local}, weight: 50}
    - {destination: {host: admin.admin.svc.cluster.local}, weight: 50}
---
${ra('shop', 'api')}${ra('admin', 'admin')}${ap('admin-allow', 'admin', '  rules: [{from: [{source: {requestPrincipals: ["idp/*"]}}]}]')}`;
    const { snapshot } = await generateSnapshot(pushOf(yaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1, START));
    const ok = { fetch: async () => new Response('ok') };
    const send = async (aud: string) => {
      const headers = { authorization: `Bearer ${await sign(key, { iss: 'idp', sub: 'u', aud })}` };
      return (await handle(cfg, { request: new Request('http://app.example.com/x', { headers }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { API: ok, ADMIN: ok }, waitUntil: () => {} }, testRuntime(2, START))).status;
    };
    expect([await send('admin'), await send('api')]).toEqual([200, 403]);
  });
});

// Only jwt_authn re-selects the route (Envoy clears the route cache after it). A header an
// ext_authz server adds upstream (headersToUpstreamOnAllow) never does, as Envoy's ext_authz
// leaves the route cache alone: the request would reach a destination whose policies never judged it.
describe('an ext_authz header on the upstream request', () => {
  test("does not re-route past the other destination's policies", async () => {
    const yaml = `${meshConfig(`
extensionProviders:
- name: authz
  envoyExtAuthzHttp: {service: authz.internal, port: 80, headersToUpstreamOnAllow: [x-tenant]}`)}${GATEWAY}${workerEntry('authz', 'foo', 'AUTHZ', 80, 'authz.internal')}${workerEntry('api', 'shop', 'API')}${workerEntry('admin', 'admin', 'ADMIN')}${SHOP_VS}  - match: [{headers: {x-tenant: {exact: admin}}}]
    route: [{destination: {host: admin.admin.svc.cluster.local}}]
  - route: [{destination: {host: api.shop.svc.cluster.local}}]
---
${ap('ext', 'shop', '  action: CUSTOM\n  provider: {name: authz}\n  rules: [{to: [{operation: {paths: ["/*"]}}]}]')}${ap('deny-all', 'admin', '  action: DENY\n  rules: [{}]')}`;
    const { snapshot } = await generateSnapshot(pushOf(yaml), ingress);
    const cfg = compileSnapshot(snapshot, new UpstreamState(), testRuntime(1));
    const seen: string[] = [];
    const upstream = (name: string) => ({ fetch: async (_url: string, init?: RequestInit) => { seen.push(`${name} ${new Headers(init?.headers).get('x-tenant')}`); return new Response('ok'); } });
    const AUTHZ = { fetch: async () => new Response(null, { status: 200, headers: { 'x-tenant': 'admin' } }) };
    const send = (headers: Record<string, string>) =>
      handle(cfg, { request: new Request('http://app.example.com/x', { headers }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: { AUTHZ, API: upstream('api'), ADMIN: upstream('admin') }, waitUntil: () => {} }, testRuntime(2));
    // The route matched before the authorizer answered: api, with the authorizer's header.
    expect((await send({})).status).toBe(200);
    expect(seen).toEqual(['api admin']);
    // A client that sends the header up front is routed to admin, whose DENY applies.
    expect((await send({ 'x-tenant': 'admin' })).status).toBe(403);
  });
});
