import { describe, expect, test } from 'vitest';
import { MeshCa, bundleOf, derOf, nodeX509, pluginCa, verifyPeerCertificate, x509ForTests } from './helpers.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('mesh CA: root', () => {
  test('a generated root is a self-signed P-256 CA valid 10 years (keyCertSign, cRLSign)', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const root = x509ForTests(ca.rootPem);
    expect(root.subject).toBe('O=cluster.local, CN=meshgate mesh root CA');
    expect(await root.isSelfSigned()).toBe(true);
    expect(root.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(root.notAfter.getTime() - T0).toBe(3650 * 24 * HOUR);
    expect(ca.certPem).toBe(ca.rootPem);
    const n = nodeX509(ca.rootPem);
    expect(n.ca).toBe(true);
    expect(n.checkIssued(n)).toBe(true);
  });

  test('exportSecret → fromSecret gives the same CA; JSON of a CA carries no private key', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const secret = await ca.exportSecret();
    expect(secret.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(secret.jwtKey.d).toBeTypeOf('string');
    const json = JSON.stringify(ca);
    expect(json).not.toContain('PRIVATE KEY');
    expect(json).not.toContain(secret.jwtKey.d!);
    expect(JSON.stringify(bundleOf(ca))).not.toContain(secret.jwtKey.d!);
    const again = await MeshCa.fromSecret(secret, T0);
    expect(again.rootPem).toBe(ca.rootPem);
    expect(again.jwt.kid).toBe(ca.jwt.kid);
    const svid = await again.issueSvid({ namespace: 'a', serviceAccount: 'b', now: T0 });
    expect(await verifyPeerCertificate(derOf(svid.certPem), { roots: [ca.rootPem], at: T0 })).toMatchObject({ ok: true });
  });

  test('loading a bad operator CA says what is wrong and never quotes the key', async () => {
    const a = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const b = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const bKey = (await b.exportSecret()).keyPem;
    const err = await MeshCa.load({ trustDomain: 'cluster.local', certPem: a.certPem, keyPem: bKey, now: T0 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('the CA private key (ca-key.pem) does not belong to the CA certificate (ca-cert.pem)');
    const garbage = '-----BEGIN PRIVATE KEY-----\nAAAAsecretmaterialAAAA\n-----END PRIVATE KEY-----\n';
    const err2 = (await MeshCa.load({ trustDomain: 'cluster.local', certPem: a.certPem, keyPem: garbage, now: T0 }).catch((e: Error) => e)) as Error;
    expect(err2.message).toBe('the CA private key is not an ECDSA P-256 PKCS#8 key matching the CA certificate');
    expect(err2.message).not.toContain('secretmaterial');
    const sec1 = '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n';
    expect(((await MeshCa.load({ trustDomain: 'cluster.local', certPem: a.certPem, keyPem: sec1 }).catch((e: Error) => e)) as Error).message).toContain('openssl pkcs8 -topk8');
    const svid = await a.issueSvid({ namespace: 'x', serviceAccount: 'y', now: T0 });
    expect(((await MeshCa.load({ trustDomain: 'cluster.local', certPem: svid.certPem, keyPem: svid.keyPem, now: T0 }).catch((e: Error) => e)) as Error).message).toContain('is not a CA certificate');
    const expired = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0, lifetimeMs: HOUR });
    const ex = await expired.exportSecret();
    expect(((await MeshCa.load({ trustDomain: 'cluster.local', certPem: ex.certPem, keyPem: ex.keyPem, now: T0 + 2 * HOUR }).catch((e: Error) => e)) as Error).message).toMatch(/expired on/);
  });
});

describe('mesh CA: X.509 SVIDs', () => {
  test('issue → verify: the SPIFFE ID comes back from the URI SAN', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const svid = await ca.issueSvid({ namespace: 'bookinfo', serviceAccount: 'reviews', now: T0 });
    expect(svid.spiffeId).toBe('spiffe://cluster.local/ns/bookinfo/sa/reviews');
    expect(svid.notAfter.getTime()).toBe(T0 + 24 * HOUR);
    expect(svid.chainPem).toEqual([svid.certPem]);
    expect(svid.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const r = await verifyPeerCertificate(derOf(svid.certPem), { roots: [ca.rootPem], at: T0 + HOUR, trustDomains: ['cluster.local'] });
    expect(r).toMatchObject({ ok: true, spiffeId: 'spiffe://cluster.local/ns/bookinfo/sa/reviews', principal: 'cluster.local/ns/bookinfo/sa/reviews', id: { trustDomain: 'cluster.local', namespace: 'bookinfo', serviceAccount: 'reviews' } });
  });

  test('the leaf is an SVID as Node/OpenSSL reads it: URI SAN, not a CA, serverAuth+clientAuth, issued by the root', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const svid = await ca.issueSvid({ namespace: 'default', serviceAccount: 'gw', now: T0 });
    const leaf = nodeX509(svid.certPem);
    const root = nodeX509(ca.rootPem);
    expect(leaf.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/gw');
    expect(leaf.subject ?? '').toBe('');
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(svid.keyPem))).toBe(true);
    const text = x509ForTests(svid.certPem);
    expect(text.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
  });

  test('a certificate from a foreign CA is refused with a reason', async () => {
    const mesh = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const foreign = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const svid = await foreign.issueSvid({ namespace: 'default', serviceAccount: 'evil', now: T0 });
    expect(await verifyPeerCertificate(derOf(svid.certPem), { roots: [mesh.rootPem], at: T0 })).toEqual({
      ok: false,
      reason: 'certificate is not issued by the mesh CA (it does not chain to a root of the mesh trust bundle)',
    });
  });

  test('expired and not-yet-valid certificates are refused; lifetime is clamped to the CA', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const svid = await ca.issueSvid({ namespace: 'default', serviceAccount: 'a', now: T0, ttlMs: HOUR });
    const der = derOf(svid.certPem);
    expect(await verifyPeerCertificate(der, { roots: [ca.rootPem], at: T0 + 2 * HOUR })).toEqual({ ok: false, reason: 'certificate has expired (not after 2026-01-01T01:00:00.000Z)' });
    expect(await verifyPeerCertificate(der, { roots: [ca.rootPem], at: T0 - 2 * HOUR })).toMatchObject({ ok: false, reason: expect.stringMatching(/^certificate is not yet valid/) });
    const short = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0, lifetimeMs: 2 * HOUR });
    const clamped = await short.issueSvid({ namespace: 'default', serviceAccount: 'a', now: T0 + HOUR });
    expect(clamped.notAfter.getTime()).toBe(T0 + 2 * HOUR);
  });

  test('a certificate of another trust domain is refused', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'other.example', now: T0 });
    const svid = await ca.issueSvid({ namespace: 'default', serviceAccount: 'a', now: T0 });
    expect(await verifyPeerCertificate(derOf(svid.certPem), { roots: [ca.rootPem], at: T0, trustDomains: ['cluster.local', 'old.local'] })).toEqual({
      ok: false,
      reason: 'certificate\'s trust domain "other.example" is not trusted by this mesh (trusted: cluster.local, old.local)',
    });
    // An alias (MeshConfig trustDomainAliases) is accepted.
    expect(await verifyPeerCertificate(derOf(svid.certPem), { roots: [ca.rootPem], at: T0, trustDomains: ['cluster.local', 'other.example'] })).toMatchObject({ ok: true });
  });

  test('a CA certificate or garbage as the leaf is refused', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    expect(await verifyPeerCertificate(derOf(ca.rootPem), { roots: [ca.rootPem], at: T0 })).toEqual({ ok: false, reason: 'certificate is a CA certificate, not a workload certificate' });
    expect(await verifyPeerCertificate(new Uint8Array([48, 3, 1, 1, 0]), { roots: [ca.rootPem], at: T0 })).toEqual({ ok: false, reason: 'certificate is not a valid X.509 certificate' });
  });

  test("the operator's CA (plug-in cacerts with an intermediate): the leaf chains through it to the root", async () => {
    const { ca, rootPem, caCertPem } = await pluginCa('cluster.local', T0);
    expect(ca.rootPem).toBe(rootPem);
    const svid = await ca.issueSvid({ namespace: 'default', serviceAccount: 'a', now: T0 });
    expect(svid.chainPem).toEqual([svid.certPem, caCertPem]);
    const der = derOf(svid.certPem);
    // Without the intermediate the chain is incomplete; with it, it verifies.
    expect(await verifyPeerCertificate(der, { roots: [rootPem], at: T0 })).toMatchObject({ ok: false });
    expect(await verifyPeerCertificate(der, { roots: [rootPem], at: T0, intermediates: [derOf(caCertPem)] })).toMatchObject({ ok: true, spiffeId: 'spiffe://cluster.local/ns/default/sa/a' });
    // A leaf cannot stand in for an intermediate.
    const other = await ca.issueSvid({ namespace: 'default', serviceAccount: 'b', now: T0 });
    expect(await verifyPeerCertificate(der, { roots: [rootPem], at: T0, intermediates: [derOf(other.certPem)] })).toMatchObject({ ok: false });
  });
});
