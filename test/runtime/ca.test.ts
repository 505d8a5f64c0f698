import { exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import { pemBlocks, verifyPeerCertificate } from '../../src/mtls/index.ts';

// The mesh CA in the control plane (workerd): bundle, SVID issue, rotation; the bundle reaches
// snapshots as the ROOTCA secret and no private key ever appears in a config dump.
const call = (path: string, init: RequestInit = {}) => exports.default.fetch(`http://cp${path}`, { ...init, headers: { authorization: 'Bearer test-admin-token', ...(init.headers as Record<string, string>) } });

describe('mesh CA', () => {
  test('publishes a bundle, issues SVIDs that chain to it, keeps keys out of config dumps', async () => {
    const bundle = (await (await call('/v1/ca/bundle')).json()) as { trustDomain: string; pem: string; jwks: { keys: unknown[] } };
    expect(bundle.trustDomain).toBe('cluster.local');
    expect(bundle.pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(bundle.jwks.keys.length).toBe(1);
    const issued = await call('/v1/ca/issue', { method: 'POST', body: JSON.stringify({ namespace: 'shop', serviceAccount: 'checkout', ttl: '1h' }) });
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const svid = (await issued.json()) as { spiffeId: string; certPem: string; keyPem: string };
    expect(svid.spiffeId).toBe('spiffe://cluster.local/ns/shop/sa/checkout');
    expect(svid.keyPem).toMatch(/PRIVATE KEY/);
    expect((await call('/v1/ca/issue', { method: 'POST', body: JSON.stringify({ namespace: 'Bad NS', serviceAccount: 'x' }) })).status).toBe(400);
    const leafDer = pemBlocks(svid.certPem, 'CERTIFICATE')[0]!;
    const verified = await verifyPeerCertificate(leafDer, { roots: [bundle.pem] });
    expect(verified).toMatchObject({ ok: true });

    // A proxy's snapshot carries the roots (ROOTCA) — and nothing private.
    const stub = (await import('cloudflare:workers')).env.MESH.get((await import('cloudflare:workers')).env.MESH.idFromName('mesh'));
    await stub.discover({ node: { id: 'ca-test', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } } });
    const dump = await (await call('/debug/config_dump?proxy=ca-test')).text();
    expect(dump).toContain('ROOTCA');
    expect(dump).not.toMatch(/PRIVATE KEY|"d":"/);
  });

  test('rotation keeps the old root trusted beside the new one', async () => {
    const before = (await (await call('/v1/ca/bundle')).json()) as { pem: string };
    const after = (await (await call('/v1/ca/rotate?overlap=24h', { method: 'POST' })).json()) as { pem: string };
    const count = (pem: string) => pem.split('BEGIN CERTIFICATE').length - 1;
    expect(count(after.pem)).toBe(count(before.pem) + 1);
    expect(after.pem).toContain(before.pem.trim().split('\n')[1]);
  });
});
