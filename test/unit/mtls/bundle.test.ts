import { describe, expect, test } from 'vitest';
import { MeshCa, bundleJwks, bundleOf, bundlePem, derOf, pruneBundle, rotateBundle, verifyJwtSvid, verifyPeerCertificate } from './helpers.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('trust bundle and root rotation', () => {
  test('a bundle is public: root PEMs with notAfter and the JWKS', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const b = bundleOf(ca);
    expect(b).toEqual({ trustDomain: 'cluster.local', roots: [{ pem: ca.rootPem, notAfter: new Date(T0 + 3650 * DAY).toISOString() }], jwtKeys: [{ jwk: ca.jwt.publicJwk }] });
    expect(Object.keys(bundleJwks(b, T0).keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(bundlePem(b, T0)).toBe(ca.rootPem);
    expect(JSON.stringify(b)).not.toMatch(/PRIVATE|"d":/);
  });

  test('rotation overlap: certificates of the old and the new root both verify until the overlap ends', async () => {
    const oldCa = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const oldSvid = await oldCa.issueSvid({ namespace: 'default', serviceAccount: 'a', now: T0 + 10 * DAY, ttlMs: 30 * DAY });
    const rotateAt = T0 + 10 * DAY;
    const newCa = await MeshCa.generate({ trustDomain: 'cluster.local', now: rotateAt });
    const newSvid = await newCa.issueSvid({ namespace: 'default', serviceAccount: 'b', now: rotateAt });
    const b = rotateBundle(bundleOf(oldCa), newCa, { now: rotateAt, overlapMs: 7 * DAY });
    expect(b.roots.map((r) => r.pem)).toEqual([newCa.rootPem, oldCa.rootPem]);
    expect(b.roots[1]!.notAfter).toBe(new Date(rotateAt + 7 * DAY).toISOString());
    expect(bundlePem(b, rotateAt)).toBe(newCa.rootPem + oldCa.rootPem);

    const at = rotateAt + DAY;
    expect(await verifyPeerCertificate(derOf(oldSvid.certPem), { roots: b.roots, at })).toMatchObject({ ok: true, spiffeId: 'spiffe://cluster.local/ns/default/sa/a' });
    expect(await verifyPeerCertificate(derOf(newSvid.certPem), { roots: b.roots, at })).toMatchObject({ ok: true, spiffeId: 'spiffe://cluster.local/ns/default/sa/b' });
    // After the overlap the old root is no longer trusted, though the old leaf has not expired.
    expect(await verifyPeerCertificate(derOf(oldSvid.certPem), { roots: b.roots, at: rotateAt + 8 * DAY })).toEqual({
      ok: false,
      reason: `the root certificate it chains to is no longer valid or trusted (not after ${new Date(rotateAt + 7 * DAY).toISOString()})`,
    });
    expect(pruneBundle(b, rotateAt + 8 * DAY).roots.map((r) => r.pem)).toEqual([newCa.rootPem]);
    // Rotating again drops what is past its notAfter.
    const third = await MeshCa.generate({ trustDomain: 'cluster.local', now: rotateAt + 8 * DAY });
    expect(rotateBundle(b, third, { now: rotateAt + 8 * DAY }).roots.map((r) => r.pem)).toEqual([third.rootPem, newCa.rootPem]);
  });

  test('JWT keys rotate with the root: tokens of the old key verify during the overlap only', async () => {
    const oldCa = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const newCa = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const b = rotateBundle(bundleOf(oldCa), newCa, { now: T0, overlapMs: DAY });
    const token = await oldCa.issueJwtSvid({ namespace: 'default', serviceAccount: 'a', audience: 'mesh', now: T0 + 1000 });
    expect(await verifyJwtSvid(token, { jwks: bundleJwks(b, T0 + 2000), audience: 'mesh', now: T0 + 2000 })).toMatchObject({ ok: true });
    const late = await oldCa.issueJwtSvid({ namespace: 'default', serviceAccount: 'a', audience: 'mesh', now: T0 + 2 * DAY });
    expect(await verifyJwtSvid(late, { jwks: bundleJwks(b, T0 + 2 * DAY), audience: 'mesh', now: T0 + 2 * DAY })).toEqual({ ok: false, reason: 'JWT-SVID is not signed by a key in the trust bundle' });
  });
});
