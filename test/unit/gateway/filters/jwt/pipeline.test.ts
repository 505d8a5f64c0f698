import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../../src/config/manifest.ts';
import { buildPushContext } from '../../../../../src/xds/push-context.ts';
import { generateSnapshot } from '../../../../../src/xds/generate.ts';
import { compileSnapshot, type CompiledConfig } from '../../../../../src/gateway/compile.ts';
import { handle } from '../../../../../src/gateway/pipeline.ts';
import { UpstreamState } from '../../../../../src/gateway/upstream/index.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import { jwks, makeKey, sign, START, type TestKey } from './helpers.ts';

// RequestAuthentication YAML → snapshot → compiled gateway → requests through the pipeline
// against a real upstream on 127.0.0.1: the filter as the gateway runs it, both scopes.

let key: TestKey;
let destKey: TestKey;
let server: Server;
let port = 0;
const seen: { url: string; headers: Record<string, string | string[] | undefined> }[] = [];

beforeAll(async () => {
  [key, destKey] = await Promise.all([makeKey('RS256', 'gw'), makeKey('ES256', 'dest')]);
  server = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const PATH_ROUTES = `
  - match: [{uri: {prefix: /admin}}]
    route: [{destination: {host: admin.admin.svc.cluster.local}}]
  - route: [{destination: {host: api.shop.svc.cluster.local}}]`;

async function compile(routes = PATH_ROUTES, extra = ''): Promise<CompiledConfig> {
  const yaml = `apiVersion: networking.istio.io/v1
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
  endpoints: [{address: 127.0.0.1, labels: {app: api}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: admin, namespace: admin}
spec:
  hosts: [admin.admin.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: ${port}, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, labels: {app: admin}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [gw]
  http:${routes}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: gw-jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules:
  - issuer: gw-issuer
    jwks: '${jwks(key)}'
    outputClaimToHeaders: [{header: x-user, claim: sub}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: admin-jwt, namespace: admin}
spec:
  jwtRules:
  - issuer: admin-issuer
    jwks: '${jwks(destKey)}'
    fromHeaders: [{name: x-admin-token}]
    outputClaimToHeaders: [{header: x-admin-user, claim: sub}]${extra}`;
  const r = loadManifest(yaml);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const push = buildPushContext(r.resources.map((x) => x.resource), 1);
  const { snapshot } = await generateSnapshot(push, { id: 'gw', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } });
  return compileSnapshot(snapshot, new UpstreamState(), testRuntime(7, START));
}

/** A DENY in the shop namespace on the gateway token's principal `gw-issuer/alice`. */
const DENY_ALICE_IN_SHOP = `
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-alice, namespace: shop}
spec:
  action: DENY
  rules: [{from: [{source: {requestPrincipals: [gw-issuer/alice]}}]}]`;

const send = (cfg: CompiledConfig, path: string, headers: Record<string, string> = {}) =>
  handle(cfg, { request: new Request(`http://shop.example.com${path}`, { headers }), role: 'ingress', edgePort: 80, clientIp: '203.0.113.9', internal: false, env: {}, waitUntil: () => {} }, testRuntime(3, START));

describe('jwt_authn in the gateway pipeline', () => {
  test('gateway scope: valid token reaches upstream stripped with its claim header; expired is 401; none passes', async () => {
    const cfg = await compile();
    seen.length = 0;
    const token = await sign(key, { iss: 'gw-issuer', sub: 'alice' });
    const ok = await send(cfg, '/items', { authorization: `Bearer ${token}`, 'x-user': 'mallory' });
    expect(ok.status).toBe(200);
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[0]!.headers['x-user']).toBe('alice');

    const expired = await send(cfg, '/items', { authorization: `Bearer ${await sign(key, { iss: 'gw-issuer', sub: 'a' }, { expIn: -3600 })}` });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toBe('Jwt is expired');
    expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="http://shop.example.com/items", error="invalid_token"');
    expect(expired.headers.get('x-request-id')).toBeTruthy();

    expect((await send(cfg, '/items')).status).toBe(200);
  });

  test("destination scope: the admin namespace's issuer is accepted only on routes to admin", async () => {
    const cfg = await compile();
    const adminToken = await sign(destKey, { iss: 'admin-issuer', sub: 'root' });
    seen.length = 0;
    expect((await send(cfg, '/admin/x', { 'x-admin-token': adminToken })).status).toBe(200);
    expect(seen[0]!.headers['x-admin-token']).toBeUndefined();
    // Elsewhere that header is no token location at all: it passes untouched, unauthenticated.
    seen.length = 0;
    expect((await send(cfg, '/items', { 'x-admin-token': adminToken })).status).toBe(200);
    expect(seen[0]!.headers['x-admin-token']).toBe(adminToken);
    // On the admin route a bad admin token is refused, and the gateway's rule still applies there.
    const bad = await send(cfg, '/admin/x', { 'x-admin-token': await sign(destKey, { iss: 'admin-issuer' }, { expIn: -3600 }) });
    expect([bad.status, await bad.text()]).toEqual([401, 'Jwt is expired']);
    const gwOnAdmin = await send(cfg, '/admin/x', { authorization: `Bearer ${await sign(key, { iss: 'gw-issuer', sub: 'alice' })}` });
    expect(gwOnAdmin.status).toBe(200);
  });

  test("a destination's authorization judges the principal of its own token, not the gateway's", async () => {
    const cfg = await compile(PATH_ROUTES, `
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: block, namespace: admin}
spec:
  action: DENY
  rules: [{from: [{source: {requestPrincipals: [admin-issuer/blocked]}}]}]`);
    const gw = `Bearer ${await sign(key, { iss: 'gw-issuer', sub: 'alice' })}`;
    const blocked = await send(cfg, '/admin/x', { authorization: gw, 'x-admin-token': await sign(destKey, { iss: 'admin-issuer', sub: 'blocked' }) });
    expect([blocked.status, await blocked.text()]).toEqual([403, 'RBAC: access denied']);
    expect((await send(cfg, '/admin/x', { authorization: gw, 'x-admin-token': await sign(destKey, { iss: 'admin-issuer', sub: 'root' }) })).status).toBe(200);
    // Without a token of its own, the destination stage sees the gateway's identity.
    expect((await send(cfg, '/admin/x', { authorization: gw })).status).toBe(200);
  });

  test("on a weighted route, each destination judges only its own issuers' tokens", async () => {
    const cfg = await compile(`
  - route:
    - {destination: {host: api.shop.svc.cluster.local}, weight: 99}
    - {destination: {host: admin.admin.svc.cluster.local}, weight: 1}`, DENY_ALICE_IN_SHOP);
    const gw = `Bearer ${await sign(key, { iss: 'gw-issuer', sub: 'alice' })}`;
    // The admin token is admin's identity only: shop still sees alice, and its DENY holds.
    const res = await send(cfg, '/x', { authorization: gw, 'x-admin-token': await sign(destKey, { iss: 'admin-issuer', sub: 'root' }) });
    expect([res.status, await res.text()]).toEqual([403, 'RBAC: access denied']);
  });

  // Claims the gateway verified may select another route (Envoy clears the route cache after
  // jwt_authn); the destination the request ends at checks it as its sidecar would.
  describe('claims that select another route', () => {
    const byGroup = (group: string) => `
  - match: [{headers: {"@request.auth.claims.group": {exact: ${group}}}}]
    route: [{destination: {host: admin.admin.svc.cluster.local}}]
  - route: [{destination: {host: api.shop.svc.cluster.local}}]`;
    const gwToken = (group: string) => sign(key, { iss: 'gw-issuer', sub: 'alice', group });

    test("the route they select has its destination's RequestAuthentication checked", async () => {
      const cfg = await compile(byGroup('admin'));
      const expired = await sign(destKey, { iss: 'admin-issuer', sub: 'root' }, { expIn: -3600 });
      const bad = await send(cfg, '/x', { authorization: `Bearer ${await gwToken('admin')}`, 'x-admin-token': expired, 'x-admin-user': 'spoofed-root' });
      expect([bad.status, await bad.text()]).toEqual([401, 'Jwt is expired']);

      seen.length = 0;
      const forged = await send(cfg, '/x', { authorization: `Bearer ${await gwToken('admin')}`, 'x-admin-user': 'spoofed-root' });
      expect(forged.status).toBe(200);
      // The destination's claim header is never the client's; the gateway's own is kept.
      expect(seen[0]!.headers['x-admin-user']).toBeUndefined();
      expect(seen[0]!.headers['x-user']).toBe('alice');

      seen.length = 0;
      const admin = await sign(destKey, { iss: 'admin-issuer', sub: 'root' });
      expect((await send(cfg, '/x', { authorization: `Bearer ${await gwToken('admin')}`, 'x-admin-token': admin })).status).toBe(200);
      expect([seen[0]!.headers['x-admin-user'], seen[0]!.headers['x-admin-token'], seen[0]!.headers['x-user']]).toEqual(['root', undefined, 'alice']);

      // Claims that keep the catch-all route: x-admin-token is no token location there.
      seen.length = 0;
      expect((await send(cfg, '/x', { authorization: `Bearer ${await gwToken('users')}`, 'x-admin-token': expired })).status).toBe(200);
      expect(seen[0]!.headers['x-admin-token']).toBe(expired);
    });

    test('a space-delimited scope matches route by route, as Istio always normalizes scope and permission', async () => {
      const cfg = await compile(`
  - match: [{headers: {"@request.auth.claims.scope": {exact: write}}}]
    route: [{destination: {host: admin.admin.svc.cluster.local}}]
  - route: [{destination: {host: api.shop.svc.cluster.local}}]`);
      const admin = await sign(destKey, { iss: 'admin-issuer', sub: 'root' });
      const send2 = async (scope: string) => {
        seen.length = 0;
        const res = await send(cfg, '/x', { authorization: `Bearer ${await sign(key, { iss: 'gw-issuer', sub: 'alice', scope })}`, 'x-admin-token': admin });
        expect(res.status).toBe(200);
        return seen[0]!.headers['x-admin-user']; // set only on the admin route
      };
      expect(await send2('read write')).toBe('root');
      expect(await send2('read writer')).toBeUndefined();
    });

    test("what the destination's step sets (its claim headers) never re-routes: its sidecar runs after the gateway routed", async () => {
      const cfg = await compile(`
  - match: [{headers: {x-admin-user: {exact: root}}}]
    route: [{destination: {host: api.shop.svc.cluster.local}}]
    headers: {request: {set: {x-dest: api}}}
  - route: [{destination: {host: admin.admin.svc.cluster.local}}]
    headers: {request: {set: {x-dest: admin}}}`, DENY_ALICE_IN_SHOP);
      const gw = `Bearer ${await gwToken('users')}`;
      seen.length = 0;
      const res = await send(cfg, '/x', { authorization: gw, 'x-admin-token': await sign(destKey, { iss: 'admin-issuer', sub: 'root' }) });
      expect(res.status).toBe(200);
      expect([seen[0]!.headers['x-dest'], seen[0]!.headers['x-admin-user']]).toEqual(['admin', 'root']);
      // A client header that selects the api route is routing as the gateway sees it: shop's DENY applies.
      expect((await send(cfg, '/x', { authorization: gw, 'x-admin-user': 'root' })).status).toBe(403);
    });

    test("a refusal by the selected route's destination gets that route's response headers", async () => {
      const cfg = await compile(`
  - match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]
    route: [{destination: {host: admin.admin.svc.cluster.local}}]
    headers: {response: {set: {x-route: admin}}}
  - route: [{destination: {host: api.shop.svc.cluster.local}}]
    headers: {response: {set: {x-route: api}}}`);
      const res = await send(cfg, '/x', { authorization: `Bearer ${await gwToken('admin')}`, 'x-admin-token': await sign(destKey, { iss: 'admin-issuer', sub: 'root' }, { expIn: -3600 }) });
      expect([res.status, res.headers.get('x-route')]).toEqual([401, 'admin']);
    });

    test("the route they leave has its destination's RequestAuthentication skipped, as Istio's sidecar there never sees the request", async () => {
      // The catch-all goes to admin; a `users` claim selects the api route instead.
      const cfg = await compile(`
  - match: [{headers: {"@request.auth.claims.group": {exact: users}}}]
    route: [{destination: {host: api.shop.svc.cluster.local}}]
  - route: [{destination: {host: admin.admin.svc.cluster.local}}]`);
      const expired = await sign(destKey, { iss: 'admin-issuer', sub: 'root' }, { expIn: -3600 });
      seen.length = 0;
      const res = await send(cfg, '/x', { authorization: `Bearer ${await gwToken('users')}`, 'x-admin-token': expired });
      expect(res.status).toBe(200);
      expect(seen[0]!.headers['x-admin-token']).toBe(expired);
      // Without that claim the request stays on the admin route, which refuses the token.
      const stays = await send(cfg, '/x', { authorization: `Bearer ${await gwToken('ops')}`, 'x-admin-token': expired });
      expect([stays.status, await stays.text()]).toEqual([401, 'Jwt is expired']);
    });
  });
});
