import { beforeAll, describe, expect, test } from 'vitest';
import '../../../../../src/gateway/filters/registry.ts';
import { compileHttpFilters, runFilters, type CompiledHttpFilter, type FilterContext } from '../../../../../src/gateway/filters/chain.ts';
import { MTLS_REQUIRED_BODY } from '../../../../../src/gateway/filters/peer-authn.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import { PEER_AUTHN_FILTER, PEER_AUTHN_TYPE, type PeerAuthn } from '../../../../../src/xds/filters/peer-authn.ts';
import { bundleJwks, bundleOf, MeshCa, SVID_HEADER } from '../../../../../src/mtls/index.ts';

// JWT-SVIDs presented by Workers (x-meshgate-svid) at the peer_authn filter, with real tokens from
// a real mesh CA and a foreign one: verified against the bundle's JWKS, audience `meshgate`,
// identity set; anything invalid is no identity; the header never goes upstream.

const T0 = Date.parse('2026-01-01T00:00:00Z');
let mesh: MeshCa;
let foreign: MeshCa;
let good: string;

beforeAll(async () => {
  mesh = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
  foreign = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
  good = await mesh.issueJwtSvid({ namespace: 'shop', serviceAccount: 'checkout', audience: 'meshgate', ttlMs: 600_000, now: T0 });
});

function compile(over: Partial<PeerAuthn> = {}): CompiledHttpFilter[] {
  const jwks = bundleJwks(bundleOf(mesh), T0) as PeerAuthn['trusted_jwks'];
  const cfg: PeerAuthn = { '@type': PEER_AUTHN_TYPE, mode: 'PERMISSIVE', trust_domains: ['cluster.local'], trust_bundle_secret: 'ROOTCA', trusted_roots: [mesh.rootPem], trusted_jwks: jwks!, ...over };
  return compileHttpFilters([{ name: PEER_AUTHN_FILTER, typed_config: cfg }]);
}

function ctx(token: string | undefined, at = T0 + 60_000): FilterContext {
  const req = new Request('https://egress.example/v1', { headers: token !== undefined ? { [SVID_HEADER]: token } : {} });
  return {
    request: req,
    headers: new Headers(req.headers),
    path: '/v1',
    query: '',
    method: 'GET',
    scheme: 'http',
    authority: 'api.partner.test',
    port: 80,
    clientIp: null,
    metadata: {},
    env: {},
    rt: testRuntime(1, at),
    waitUntil: () => {},
  };
}

const CHECKOUT = { principal: 'cluster.local/ns/shop/sa/checkout', trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'checkout' };

describe('peer_authn filter: JWT-SVIDs from Workers', () => {
  test('a valid token sets the peer identity and XFCC, and is removed from what goes upstream', async () => {
    const c = ctx(good);
    expect(await runFilters(compile(), c)).toBeUndefined();
    expect(c.peer).toEqual(CHECKOUT);
    expect(c.headers.has(SVID_HEADER)).toBe(false);
    expect(c.headers.get('x-forwarded-client-cert')).toBe('URI=spiffe://cluster.local/ns/shop/sa/checkout');
  });

  test('a valid token satisfies STRICT', async () => {
    const c = ctx(good);
    expect(await runFilters(compile({ mode: 'STRICT' }), c)).toBeUndefined();
    expect(c.peer).toEqual(CHECKOUT);
  });

  test('expired, wrong audience, foreign key, garbage: no identity (PERMISSIVE continues), header still removed', async () => {
    const wrongAud = await mesh.issueJwtSvid({ namespace: 'shop', serviceAccount: 'checkout', audience: 'someone-else', now: T0 });
    const foreignTok = await foreign.issueJwtSvid({ namespace: 'shop', serviceAccount: 'checkout', audience: 'meshgate', now: T0 });
    const cases: [string, number][] = [[good, T0 + 600_000 + 31_000], [wrongAud, T0 + 1000], [foreignTok, T0 + 1000], ['not-a-jwt', T0 + 1000]];
    const filters = compile();
    for (const [tok, at] of cases) {
      const c = ctx(tok, at);
      expect(await runFilters(filters, c)).toBeUndefined();
      expect(c.peer).toBeUndefined();
      expect(c.headers.has(SVID_HEADER)).toBe(false);
      expect(c.headers.has('x-forwarded-client-cert')).toBe(false);
    }
  });

  test('under STRICT an invalid token is 403 with the reason', async () => {
    const foreignTok = await foreign.issueJwtSvid({ namespace: 'shop', serviceAccount: 'checkout', audience: 'meshgate', now: T0 });
    const res = await runFilters(compile({ mode: 'STRICT' }), ctx(foreignTok));
    expect(res!.status).toBe(403);
    expect(await res!.text()).toBe(`${MTLS_REQUIRED_BODY}\nJWT-SVID refused: JWT-SVID is not signed by a key in the trust bundle`);
  });

  test('small clock skew is tolerated; a token verified once is re-checked only for expiry', async () => {
    const filters = compile();
    const early = ctx(good, T0 - 10_000); // iat 10 s in the future of the gateway's clock
    await runFilters(filters, early);
    expect(early.peer).toEqual(CHECKOUT);
    const later = ctx(good, T0 + 600_000 + 20_000); // 20 s past exp, within skew: cached, still fine
    await runFilters(filters, later);
    expect(later.peer).toEqual(CHECKOUT);
    const expired = ctx(good, T0 + 600_000 + 60_000);
    await runFilters(filters, expired);
    expect(expired.peer).toBeUndefined();
  });

  test('no JWKS in the config: no token verifies; DISABLE ignores tokens but still strips them', async () => {
    const c = ctx(good);
    await runFilters(compile({ trusted_jwks: undefined }), c);
    expect(c.peer).toBeUndefined();
    const d = ctx(good);
    await runFilters(compile({ mode: 'DISABLE' }), d);
    expect([d.peer, d.headers.has(SVID_HEADER)]).toEqual([undefined, false]);
  });

  test('a trust domain outside trust_domains is refused', async () => {
    const other = await MeshCa.generate({ trustDomain: 'other.example', now: T0 });
    const tok = await other.issueJwtSvid({ namespace: 'shop', serviceAccount: 'checkout', audience: 'meshgate', now: T0 });
    const jwks = { keys: [...bundleJwks(bundleOf(mesh), T0).keys, ...bundleJwks(bundleOf(other), T0).keys] } as PeerAuthn['trusted_jwks'];
    const c = ctx(tok);
    await runFilters(compile({ trusted_jwks: jwks! }), c);
    expect(c.peer).toBeUndefined();
  });
});
