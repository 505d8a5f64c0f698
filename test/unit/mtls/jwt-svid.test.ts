import { describe, expect, test } from 'vitest';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { MeshCa, bundleJwks, bundleOf, verifyJwtSvid } from './helpers.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('JWT-SVIDs', () => {
  test('issue → verify with the published JWKS: ES256, kid, sub = SPIFFE ID, aud, short exp', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const token = await ca.issueJwtSvid({ namespace: 'bookinfo', serviceAccount: 'productpage', audience: 'meshgate', now: T0 });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: ca.jwt.kid, typ: 'JWT' });
    expect(decodeJwt(token)).toEqual({ sub: 'spiffe://cluster.local/ns/bookinfo/sa/productpage', aud: 'meshgate', iat: T0 / 1000, exp: T0 / 1000 + 300 });
    const jwks = bundleJwks(bundleOf(ca), T0);
    expect(jwks.keys.map((k) => k.kid)).toEqual([ca.jwt.kid]);
    expect(await verifyJwtSvid(token, { jwks, audience: 'meshgate', now: T0 + 60_000, trustDomains: ['cluster.local'] })).toEqual({
      ok: true,
      spiffeId: 'spiffe://cluster.local/ns/bookinfo/sa/productpage',
      principal: 'cluster.local/ns/bookinfo/sa/productpage',
      id: { trustDomain: 'cluster.local', path: '/ns/bookinfo/sa/productpage', namespace: 'bookinfo', serviceAccount: 'productpage' },
      audience: ['meshgate'],
      expiresAt: T0 + 300_000,
    });
  });

  test('refusals: expired, wrong audience, foreign key, untrusted trust domain, not ES256', async () => {
    const ca = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const jwks = bundleJwks(bundleOf(ca), T0);
    const token = await ca.issueJwtSvid({ namespace: 'a', serviceAccount: 'b', audience: ['x', 'y'], now: T0 });
    expect(await verifyJwtSvid(token, { jwks, audience: 'y', now: T0 + 1000 })).toMatchObject({ ok: true, audience: ['x', 'y'] });
    expect(await verifyJwtSvid(token, { jwks, audience: 'x', now: T0 + 301_000 })).toEqual({ ok: false, reason: 'JWT-SVID has expired' });
    expect(await verifyJwtSvid(token, { jwks, audience: 'z', now: T0 + 1000 })).toEqual({ ok: false, reason: 'JWT-SVID claim "aud" is not valid: check_failed' });
    const foreign = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
    const forged = await foreign.issueJwtSvid({ namespace: 'a', serviceAccount: 'b', audience: 'x', now: T0 });
    expect(await verifyJwtSvid(forged, { jwks, audience: 'x', now: T0 + 1000 })).toEqual({ ok: false, reason: 'JWT-SVID is not signed by a key in the trust bundle' });
    expect(await verifyJwtSvid(token, { jwks, audience: 'x', now: T0 + 1000, trustDomains: ['example.org'] })).toMatchObject({ ok: false, reason: expect.stringContaining('trust domain "cluster.local" is not trusted') });
    const none = `${btoa(JSON.stringify({ alg: 'none', kid: ca.jwt.kid })).replace(/=+$/, '')}.${btoa(JSON.stringify({ sub: 'spiffe://cluster.local/ns/a/sa/b', aud: 'x', exp: T0 / 1000 + 100 })).replace(/=+$/, '')}.`;
    expect(await verifyJwtSvid(none, { jwks, audience: 'x', now: T0 })).toMatchObject({ ok: false });
    await expect(ca.jwt.issue({ spiffeId: 'spiffe://cluster.local/ns/a/sa/b', audience: [] })).rejects.toThrow('at least one non-empty audience');
    // Issued three hours ahead of the verifier's clock: refused, beyond the clock skew only.
    const ahead = await ca.issueJwtSvid({ namespace: 'a', serviceAccount: 'b', audience: 'x', now: T0 + 3 * 3_600_000 });
    expect(await verifyJwtSvid(ahead, { jwks, audience: 'x', now: T0 })).toEqual({ ok: false, reason: 'JWT-SVID was issued in the future (iat)' });
    const skewed = await ca.issueJwtSvid({ namespace: 'a', serviceAccount: 'b', audience: 'x', now: T0 + 20_000 });
    expect(await verifyJwtSvid(skewed, { jwks, audience: 'x', now: T0, clockToleranceSec: 30 })).toMatchObject({ ok: true });
  });
});
