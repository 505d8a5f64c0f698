import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningMesh } from '../../src/cli/dev/mesh.ts';
import { MeshCa, pemBlocks, toBase64 } from '../../src/mtls/index.ts';
import { applyAndSync, testMesh } from './support/mesh.ts';
import { send, upstream, type Upstream } from './support/upstreams.ts';

// Security end to end in workerd with real HTTP: RequestAuthentication (JWT) outcomes,
// AuthorizationPolicy decisions (paths, methods, hosts, claims, CIDRs, DENY over ALLOW, CUSTOM
// against a real ext_authz server), PeerAuthentication STRICT with mesh-CA and foreign-CA
// certificates injected as cf.tlsClientAuth, and no secret in a config dump.

let mesh: RunningMesh;
let app: Upstream;
let authz: Server;
let authzPort = 0;
let privateKey: CryptoKey;
const ISS = 'https://issuer.example.com';
const gw = (path: string, opts: Parameters<typeof send>[2] = {}) => send(mesh.ingressUrl, path, opts);
const token = (claims: Record<string, unknown>, exp = '10m') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISS).setSubject(String(claims.sub ?? 'alice')).setIssuedAt().setExpirationTime(exp).sign(privateKey);

beforeAll(async () => {
  const keys = await generateKeyPair('ES256');
  privateKey = keys.privateKey as CryptoKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  app = await upstream('app');
  authz = createServer((req, res) => {
    if (req.headers['x-user'] === 'allowed') {
      res.writeHead(200, { 'x-authz-user': 'allowed' });
      res.end();
    } else {
      res.writeHead(401, { 'content-type': 'text/plain', 'x-authz-reason': 'no' });
      res.end('denied by ext_authz');
    }
  });
  await new Promise<void>((r) => authz.listen(0, '127.0.0.1', r));
  authzPort = (authz.address() as AddressInfo).port;
  mesh = await testMesh();
  await applyAndSync(mesh, `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    extensionProviders:
    - name: local-authz
      envoyExtAuthzHttp:
        service: 127.0.0.1
        port: ${authzPort}
        includeRequestHeadersInCheck: [x-user]
        headersToUpstreamOnAllow: [x-authz-user]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: app, namespace: default}
spec:
  hosts: [app.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${app.port}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app, namespace: default}
spec:
  hosts: [app.example.com, admin.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: app.internal}}]}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules:
  - issuer: ${ISS}
    audiences: [shop]
    jwks: '${JSON.stringify({ keys: [jwk] })}'
    outputClaimToHeaders: [{header: x-jwt-sub, claim: sub}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: DENY
  rules:
  - to: [{operation: {paths: ["/admin", "/admin/*"]}}]
  - to: [{operation: {paths: ["/ipdeny"]}}]
    from: [{source: {ipBlocks: ["127.0.0.0/8"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: custom, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: CUSTOM
  provider: {name: local-authz}
  rules: [{to: [{operation: {paths: ["/ext/*"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: ALLOW
  rules:
  - to: [{operation: {paths: ["/public*", "/ext/*", "/ipdeny"], methods: [GET]}}]
  - from: [{source: {requestPrincipals: ["${ISS}/*"]}}]
    to: [{operation: {paths: ["/me"]}}]
  - to: [{operation: {paths: ["/editors"]}}]
    when: [{key: "request.auth.claims[groups]", values: [editors]}]
  - to: [{operation: {hosts: ["admin.example.com"], paths: ["/host-only"]}}]
  - to: [{operation: {paths: ["/iponly"]}}]
    from: [{source: {ipBlocks: ["10.0.0.0/8"]}}]
  - from: [{source: {principals: ["cluster.local/ns/shop/sa/checkout"]}}]
    to: [{operation: {paths: ["/mtls-only"]}}]
`);
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
  await app?.close();
  authz?.close();
});

describe('RequestAuthentication (JWT)', () => {
  test('no token passes authentication; authorization requiring a principal answers 403', async () => {
    expect((await gw('/public/x', { host: 'app.example.com' })).status).toBe(200);
    const r = await gw('/me', { host: 'app.example.com' });
    expect([r.status, r.body]).toEqual([403, 'RBAC: access denied']);
  });

  test('a valid token: principal set, claim header out, token stripped upstream', async () => {
    const t = await token({ sub: 'alice', aud: 'shop' });
    const before = app.received.length;
    const r = await gw('/me', { host: 'app.example.com', headers: { authorization: `Bearer ${t}`, 'x-jwt-sub': 'forged' } });
    expect(r.status).toBe(200);
    const got = app.received[before]!;
    expect(got.headers['x-jwt-sub']).toBe('alice');
    expect(got.headers.authorization).toBeUndefined();
  });

  test('expired and forged tokens are 401 with Envoy\'s body and www-authenticate; wrong audience is 403', async () => {
    const expired = await gw('/public', { host: 'app.example.com', headers: { authorization: `Bearer ${await token({ aud: 'shop' }, '-1h')}` } });
    expect([expired.status, expired.body]).toEqual([401, 'Jwt is expired']);
    expect(expired.headers['www-authenticate']).toBe('Bearer realm="http://app.example.com/public", error="invalid_token"');
    const good = await token({ aud: 'shop' });
    const forged = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bad = await gw('/public', { host: 'app.example.com', headers: { authorization: `Bearer ${forged}` } });
    expect([bad.status, bad.body]).toEqual([401, 'Jwt verification fails']);
    const aud = await gw('/public', { host: 'app.example.com', headers: { authorization: `Bearer ${await token({ aud: 'other' })}` } });
    expect([aud.status, aud.body]).toEqual([403, 'Audiences in Jwt are not allowed']);
  });

  test('claims in `when`: list claims match any element', async () => {
    const editor = await token({ aud: 'shop', groups: ['viewers', 'editors'] });
    expect((await gw('/editors', { host: 'app.example.com', headers: { authorization: `Bearer ${editor}` } })).status).toBe(200);
    const viewer = await token({ aud: 'shop', groups: ['viewers'] });
    expect((await gw('/editors', { host: 'app.example.com', headers: { authorization: `Bearer ${viewer}` } })).status).toBe(403);
  });
});

describe('AuthorizationPolicy', () => {
  test('ALLOW by path and method; everything else denied', async () => {
    expect((await gw('/public/a', { host: 'app.example.com' })).status).toBe(200);
    expect((await gw('/public/a', { host: 'app.example.com', method: 'POST' })).status).toBe(403);
    expect((await gw('/private', { host: 'app.example.com' })).status).toBe(403);
  });

  test('DENY wins over ALLOW, and dot segments or encodings do not bypass it', async () => {
    const t = await token({ aud: 'shop' });
    for (const path of ['/admin', '/admin/x', '/public/../admin', '/public/%2e%2e/admin', '/admin%2Fx', '//admin']) {
      const r = await gw(path, { host: 'app.example.com', headers: { authorization: `Bearer ${t}` } });
      expect([403, 400], `${path} → ${r.status}`).toContain(r.status);
    }
  });

  test('hosts match the authority exactly; ipBlocks use the client address', async () => {
    expect((await gw('/host-only', { host: 'admin.example.com' })).status).toBe(200);
    expect((await gw('/host-only', { host: 'app.example.com' })).status).toBe(403);
    expect((await gw('/iponly', { host: 'app.example.com' })).status).toBe(403);
    expect((await gw('/ipdeny', { host: 'app.example.com' })).status).toBe(403);
  });

  test('CUSTOM asks the ext_authz server: allow (headers to upstream) and deny (its status and body)', async () => {
    const before = app.received.length;
    const ok = await gw('/ext/a', { host: 'app.example.com', headers: { 'x-user': 'allowed' } });
    expect(ok.status).toBe(200);
    expect(app.received[before]?.headers['x-authz-user']).toBe('allowed');
    const no = await gw('/ext/a', { host: 'app.example.com', headers: { 'x-user': 'mallory' } });
    expect([no.status, no.body]).toEqual([401, 'denied by ext_authz']);
  });
});

describe('PeerAuthentication and mTLS identities', () => {
  const cfFor = (certPem: string) => ({
    tlsClientAuth: { certPresented: '1', certVerified: 'SUCCESS', certRevoked: '0', certRFC9440: `:${toBase64(pemBlocks(certPem, 'CERTIFICATE')[0]!)}:` },
  });
  // Locally, Miniflare takes a request's `cf` from its MF-CF-Blob header (what Cloudflare's edge fills in production).
  const viaCloudflare = async (path: string, cf?: object) => {
    const r = await send(mesh.ingressUrl, path, { host: 'app.example.com', headers: cf ? { 'MF-CF-Blob': JSON.stringify(cf) } : {} });
    return { status: r.status, body: r.body };
  };

  test('principals come from a verified mesh certificate; STRICT refuses plaintext and foreign CAs', async () => {
    const issued = (await (await mesh.admin('/v1/ca/issue', { method: 'POST', body: JSON.stringify({ namespace: 'shop', serviceAccount: 'checkout' }) })).json()) as { certPem: string };
    const first = await viaCloudflare('/mtls-only', cfFor(issued.certPem));
    expect(first, JSON.stringify(first)).toMatchObject({ status: 200 });
    expect((await viaCloudflare('/mtls-only')).status).toBe(403);

    await applyAndSync(mesh, `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  mtls: {mode: STRICT}
`);
    const plain = await viaCloudflare('/public/x');
    expect(plain.status).toBe(403);
    expect(plain.body).toMatch(/mTLS required/);
    const foreign = await (await MeshCa.generate({ trustDomain: 'cluster.local' })).issueSvid({ namespace: 'shop', serviceAccount: 'checkout' });
    expect((await viaCloudflare('/public/x', cfFor(foreign.certPem))).status).toBe(403);
    expect((await viaCloudflare('/public/x', cfFor(issued.certPem))).status).toBe(200);

    await applyAndSync(mesh, `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  mtls: {mode: PERMISSIVE}
`);
    expect((await viaCloudflare('/public/x')).status).toBe(200);
  });

  test('no private key or JWKS secret appears in config_dump', async () => {
    const dump = await (await mesh.admin('/debug/config_dump?proxy=istio-ingressgateway')).text();
    expect(dump).toContain('ROOTCA');
    expect(dump).not.toMatch(/PRIVATE KEY|"d":"/);
  });
});
