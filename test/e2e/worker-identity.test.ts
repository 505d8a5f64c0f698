import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startMesh, type RunningMesh } from '../../src/cli/dev/mesh.ts';
import { applyAndSync } from './support/mesh.ts';
import { upstream, type Upstream } from './support/upstreams.ts';
import { userWorker } from './support/user-worker.ts';

// Workload identity for Workers, end to end in workerd: a user Worker gets JWT-SVIDs from the
// control plane with its bootstrap secret, meshFetch presents them through the egress gateway,
// and an AuthorizationPolicy on the egress gateway allows by the SPIFFE principal.

let mesh: RunningMesh;
let api: Upstream;
let userUrl: string;

async function bootstrap(namespace: string, serviceAccount: string): Promise<string> {
  const res = await mesh.admin('/v1/identity/bootstrap', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ namespace, serviceAccount }) });
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { secret: string; spiffeId: string };
  expect(body.spiffeId).toBe(`spiffe://cluster.local/ns/${namespace}/sa/${serviceAccount}`);
  return body.secret;
}

async function asWorker(secret: string | null, path = '/orders'): Promise<{ status: number; body: string }> {
  await fetch(`${userUrl}secret`, { method: 'POST', body: secret ?? '' });
  const r = await fetch(`${userUrl}?target=${encodeURIComponent(`http://api.partner.test${path}`)}`);
  return { status: r.status, body: await r.text() };
}

beforeAll(async () => {
  api = await upstream('api');
  const worker = await userWorker('identity-worker', join(import.meta.dirname, 'fixtures/identity-worker.ts'), {
    MESH_EGRESS: 'egress-gateway',
    MESH_IDENTITY: { name: 'control-plane', entrypoint: 'XdsService' },
  });
  mesh = await startMesh({
    adminPort: 0, ingressPort: 0, egressPort: 0, workerLogs: 'silent', refreshMs: 100,
    extraWorkers: [worker],
  });
  userUrl = String(await mesh.mf.unsafeGetDirectURL('identity-worker'));
  await applyAndSync(mesh, `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.partner.test]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${api.port}}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: checkout-only, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: egressgateway}}
  action: ALLOW
  rules:
  - from: [{source: {principals: ["cluster.local/ns/shop/sa/checkout"]}}]
    to: [{operation: {hosts: [api.partner.test]}}]
`);
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
  await api?.close();
});

describe('workload identity for Workers (JWT-SVID via meshFetch)', () => {
  test('the shop/checkout Worker is identified by its SPIFFE ID and allowed; the token never reaches the upstream', async () => {
    const secret = await bootstrap('shop', 'checkout');
    const r = await asWorker(secret, '/orders');
    expect(r.status).toBe(200);
    const seen = api.received.at(-1)!;
    expect(seen.url).toBe('/orders');
    expect(seen.headers['x-meshgate-svid']).toBeUndefined();
    expect(seen.headers['x-forwarded-client-cert']).toBe('URI=spiffe://cluster.local/ns/shop/sa/checkout');
    // Second call: same cached token, still allowed.
    expect((await asWorker(secret, '/orders/2')).status).toBe(200);
    // The secret is never logged, nor handed to the gateways' config.
    expect(mesh.logs().join('\n')).not.toContain(secret);
    const rows = (await (await mesh.admin('/debug/syncz')).json()) as { proxy: string }[];
    const egress = rows.find((r) => r.proxy.includes('egress'))!.proxy;
    const dump = await (await mesh.admin(`/debug/config_dump?proxy=${encodeURIComponent(egress)}`)).text();
    expect(dump).toContain('trusted_jwks');
    expect(dump).not.toContain(secret);
    expect(dump).not.toMatch(/"d":"/);
  });

  test('the same Worker without identity is denied by RBAC', async () => {
    const before = api.received.length;
    const r = await asWorker(null);
    expect([r.status, r.body]).toEqual([403, 'RBAC: access denied']);
    expect(api.received.length).toBe(before);
  });

  test('a bootstrap secret for another service account is denied', async () => {
    const r = await asWorker(await bootstrap('shop', 'cart'));
    expect([r.status, r.body]).toEqual([403, 'RBAC: access denied']);
  });

  test('re-issuing a bootstrap secret revokes the old one; an unknown secret gets no token', async () => {
    const old = await bootstrap('shop', 'billing');
    await bootstrap('shop', 'billing');
    const r = await asWorker(old);
    expect(r.status).toBe(599);
    expect(r.body).toMatch(/unknown bootstrap secret/);
    expect(r.body).not.toContain(old);
  });

  test('the admin API requires the admin token for bootstrap secrets', async () => {
    const res = await fetch(`${mesh.adminUrl}/v1/identity/bootstrap`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ namespace: 'shop', serviceAccount: 'checkout' }) });
    expect(res.status).toBe(401);
  });
});
