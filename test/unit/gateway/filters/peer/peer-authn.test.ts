import { beforeAll, describe, expect, test, vi } from 'vitest';
import '../../../../../src/gateway/filters/registry.ts';
import { compileHttpFilters, runFilters, type CompiledHttpFilter, type FilterContext } from '../../../../../src/gateway/filters/chain.ts';
import { MTLS_REQUIRED_BODY } from '../../../../../src/gateway/filters/peer-authn.ts';
import { CLIENT_CERT_HEADERS } from '../../../../../src/gateway/http/forwarded.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import { PEER_AUTHN_FILTER, PEER_AUTHN_TYPE, type PeerAuthn } from '../../../../../src/xds/filters/peer-authn.ts';
import { MeshCa, type IssuedSvid } from '../../../../../src/mtls/index.ts';

// The data-plane filter with real certificates from a real mesh CA (and a foreign one), injected
// the way Cloudflare reports them (`request.cf.tlsClientAuth`) or a trusted proxy forwards them.

const T0 = Date.parse('2026-01-01T00:00:00Z');
const b64 = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
const rfc9440 = (pem: string) => `:${b64(pem)}:`;

let mesh: MeshCa;
let foreign: MeshCa;
let svid: IssuedSvid;
let foreignSvid: IssuedSvid;
let otherDomain: IssuedSvid;

beforeAll(async () => {
  mesh = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
  foreign = await MeshCa.generate({ trustDomain: 'cluster.local', now: T0 });
  svid = await mesh.issueSvid({ namespace: 'bookinfo', serviceAccount: 'productpage', now: T0 });
  foreignSvid = await foreign.issueSvid({ namespace: 'bookinfo', serviceAccount: 'productpage', now: T0 });
  const od = await MeshCa.generate({ trustDomain: 'evil.example', now: T0 });
  otherDomain = await od.issueSvid({ namespace: 'bookinfo', serviceAccount: 'productpage', now: T0 });
});

function compile(over: Partial<PeerAuthn> = {}): CompiledHttpFilter[] {
  const cfg: PeerAuthn = { '@type': PEER_AUTHN_TYPE, mode: 'STRICT', trust_domains: ['cluster.local'], trust_bundle_secret: 'ROOTCA', trusted_roots: [mesh.rootPem], ...over };
  return compileHttpFilters([{ name: PEER_AUTHN_FILTER, typed_config: cfg }]);
}

const presented = (pem: string, extra: Record<string, unknown> = {}) => ({ certPresented: '1', certVerified: 'SUCCESS', certRevoked: '0', certRFC9440: rfc9440(pem), certRFC9440TooLarge: false, certChainRFC9440: '', certChainRFC9440TooLarge: false, ...extra });
const PLACEHOLDER = { certPresented: '0', certVerified: 'NONE', certRevoked: '0', certRFC9440: '', certRFC9440TooLarge: false, certChainRFC9440: '', certChainRFC9440TooLarge: false };

/** A FilterContext whose request carries `cf` (Node's Request drops `cf`, so it rides on a cast object). */
function ctx(opts: { tls?: Record<string, unknown>; headers?: Record<string, string>; clientIp?: string | null; port?: number; at?: number; cfFromEdge?: boolean } = {}): FilterContext {
  const req = new Request('https://gw.example/productpage', { headers: opts.headers ?? {} });
  const request = Object.assign(req, { cf: opts.tls ? { tlsClientAuth: opts.tls } : undefined }) as Request;
  // What goes upstream, as the connection manager leaves it: client-certificate headers removed.
  const headers = new Headers(req.headers);
  for (const h of CLIENT_CERT_HEADERS) headers.delete(h);
  return {
    request,
    headers,
    path: '/productpage',
    query: '',
    method: 'GET',
    scheme: 'https',
    authority: 'gw.example',
    port: opts.port ?? 443,
    clientIp: opts.clientIp === undefined ? '203.0.113.9' : opts.clientIp,
    metadata: {},
    env: {},
    rt: testRuntime(1, opts.at ?? T0 + 3_600_000),
    waitUntil: () => {},
    ...(opts.cfFromEdge !== undefined ? { cfFromEdge: opts.cfFromEdge } : {}),
  };
}

const PEER = { principal: 'cluster.local/ns/bookinfo/sa/productpage', trustDomain: 'cluster.local', namespace: 'bookinfo', serviceAccount: 'productpage' };

describe('peer_authn filter: certificates from cf.tlsClientAuth', () => {
  test('a `cf` that did not come from the edge (a Worker calling over a service binding) is no identity', async () => {
    const c = ctx({ tls: presented(svid.certPem), cfFromEdge: false });
    const res = await runFilters(compile(), c);
    expect([res?.status, c.peer]).toEqual([403, undefined]);
    expect(c.headers.has('x-forwarded-client-cert')).toBe(false);
  });

  test('STRICT + a mesh certificate verified at the edge: identity set, XFCC set upstream, request continues', async () => {
    const c = ctx({ tls: presented(svid.certPem) });
    expect(await runFilters(compile(), c)).toBeUndefined();
    expect(c.peer).toEqual(PEER);
    expect(c.headers.get('x-forwarded-client-cert')).toMatch(/^Hash=[0-9a-f]{64};URI=spiffe:\/\/cluster\.local\/ns\/bookinfo\/sa\/productpage$/);
  });

  test('STRICT without a certificate (placeholder or no cf at all): 403 saying mTLS is required', async () => {
    for (const c of [ctx({ tls: PLACEHOLDER }), ctx()]) {
      const res = await runFilters(compile(), c);
      expect(res!.status).toBe(403);
      expect(res!.headers.get('content-type')).toBe('text/plain');
      expect(await res!.text()).toBe(MTLS_REQUIRED_BODY);
      expect(c.peer).toBeUndefined();
    }
  });

  test('STRICT + a certificate from a foreign CA (even if Cloudflare verified it): 403 with the reason', async () => {
    const res = await runFilters(compile(), ctx({ tls: presented(foreignSvid.certPem) }));
    expect(res!.status).toBe(403);
    expect(await res!.text()).toBe(`${MTLS_REQUIRED_BODY}\ncertificate refused: certificate is not issued by the mesh CA (it does not chain to a root of the mesh trust bundle)`);
  });

  test('STRICT + another trust domain, an expired certificate, or Cloudflare not verifying / revoked: 403', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [presented(otherDomain.certPem), T0 + 1000, 'trust domain "evil.example" is not trusted'],
      [presented(svid.certPem), T0 + 25 * 3_600_000, 'certificate has expired'],
      [presented(svid.certPem, { certVerified: 'FAILED:self signed certificate' }), T0 + 1000, 'the edge did not verify the client certificate (FAILED:self signed certificate)'],
      [presented(svid.certPem, { certRevoked: '1' }), T0 + 1000, 'the client certificate is revoked'],
      [presented(svid.certPem, { certRFC9440: 'garbage' }), T0 + 1000, 'no readable client certificate'],
    ];
    const filters = compile({ trusted_roots: [mesh.rootPem, (await MeshCa.generate({ trustDomain: 'evil.example', now: T0 })).rootPem] });
    for (const [tls, at, reason] of cases) {
      const c = ctx({ tls, at });
      const res = await runFilters(filters, c);
      expect(res?.status).toBe(403);
      expect(await res!.text()).toContain(reason);
      expect(c.peer).toBeUndefined();
    }
  });

  test('PERMISSIVE accepts both: with a mesh certificate there is an identity, without (or foreign) none', async () => {
    const filters = compile({ mode: 'PERMISSIVE' });
    const withCert = ctx({ tls: presented(svid.certPem) });
    expect(await runFilters(filters, withCert)).toBeUndefined();
    expect(withCert.peer).toEqual(PEER);
    for (const c of [ctx({ tls: PLACEHOLDER }), ctx({ tls: presented(foreignSvid.certPem) })]) {
      expect(await runFilters(filters, c)).toBeUndefined();
      expect(c.peer).toBeUndefined();
      expect(c.headers.has('x-forwarded-client-cert')).toBe(false);
    }
  });

  test('DISABLE ignores certificates: no identity, no 403', async () => {
    const c = ctx({ tls: presented(svid.certPem) });
    expect(await runFilters(compile({ mode: 'DISABLE' }), c)).toBeUndefined();
    expect(c.peer).toBeUndefined();
  });

  test('port-level modes apply by edge port', async () => {
    const filters = compile({ mode: 'STRICT', port_level_mtls: { '80': 'PERMISSIVE' } });
    expect(await runFilters(filters, ctx({ port: 80 }))).toBeUndefined();
    expect((await runFilters(filters, ctx({ port: 443 })))?.status).toBe(403);
  });

  test('an intermediate CA: the chain from certChainRFC9440 completes the path', async () => {
    // The mesh root signs an intermediate MeshCa through the operator-CA path (helpers of test/unit/mtls).
    const { pluginCa } = await import('../../../mtls/helpers.ts');
    const plug = await pluginCa('cluster.local', T0);
    const leaf = await plug.ca.issueSvid({ namespace: 'a', serviceAccount: 'b', now: T0 });
    const filters = compile({ trusted_roots: [plug.rootPem] });
    const noChain = await runFilters(filters, ctx({ tls: presented(leaf.certPem) }));
    expect(noChain?.status).toBe(403);
    const c = ctx({ tls: presented(leaf.certPem, { certChainRFC9440: leaf.chainPem.slice(1).map(rfc9440).join(', ') }) });
    expect(await runFilters(filters, c)).toBeUndefined();
    expect(c.peer?.principal).toBe('cluster.local/ns/a/sa/b');
  });

  test('no roots in the bundle yet: nothing verifies (STRICT refuses, with the reason)', async () => {
    const res = await runFilters(compile({ trusted_roots: undefined }), ctx({ tls: presented(svid.certPem) }));
    expect(await res!.text()).toContain('the mesh trust bundle has no root certificate');
  });

  test('a malformed root fails the compile (the snapshot is NACKed)', () => {
    expect(() => compile({ trusted_roots: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] })).toThrow(/trust bundle root #1 is not a valid X.509 certificate/);
  });
});

describe('peer_authn filter: forwarded client certificates', () => {
  const xfccOf = (s: IssuedSvid) => `By=spiffe://cluster.local/ns/istio-system/sa/front;Hash=abc;Cert="${encodeURIComponent(s.certPem)}";URI=${s.spiffeId}`;
  const trusted = { trusted_proxies: { cidrs: ['10.0.0.0/8'], client_cert_header: 'xfcc' as const } };

  test('untrusted XFCC / Client-Cert are never believed', async () => {
    const headers = { 'x-forwarded-client-cert': xfccOf(svid), 'client-cert': rfc9440(svid.certPem), 'client-cert-chain': rfc9440(mesh.rootPem) };
    for (const over of [{}, trusted]) {
      const c = ctx({ headers, clientIp: '203.0.113.9' });
      const res = await runFilters(compile(over), c);
      expect(res?.status).toBe(403);
      expect(c.peer).toBeUndefined();
      for (const h of Object.keys(headers)) expect(c.headers.has(h)).toBe(false);
    }
    // PERMISSIVE: no identity.
    const c = ctx({ headers, clientIp: '203.0.113.9' });
    expect(await runFilters(compile({ mode: 'PERMISSIVE' }), c)).toBeUndefined();
    expect(c.peer).toBeUndefined();
    expect([...c.headers.keys()].filter((k) => k.includes('cert'))).toEqual([]);
  });

  test('XFCC from a trusted proxy: the forwarded certificate is verified and becomes the identity', async () => {
    const c = ctx({ headers: { 'x-forwarded-client-cert': `By=x;URI=spiffe://cluster.local/ns/other/sa/hop1,${xfccOf(svid)}` }, clientIp: '10.1.2.3' });
    expect(await runFilters(compile(trusted), c)).toBeUndefined();
    expect(c.peer).toEqual(PEER);
    // Replaced upstream by our own element, not passed through.
    expect(c.headers.get('x-forwarded-client-cert')).toMatch(/^Hash=[0-9a-f]{64};URI=spiffe:\/\/cluster\.local\/ns\/bookinfo\/sa\/productpage$/);
  });

  test('XFCC from a trusted proxy is still verified: a foreign certificate or a bare URI is refused', async () => {
    const foreignRes = await runFilters(compile(trusted), ctx({ headers: { 'x-forwarded-client-cert': xfccOf(foreignSvid) }, clientIp: '10.1.2.3' }));
    expect(await foreignRes!.text()).toContain('not issued by the mesh CA');
    const bare = await runFilters(compile(trusted), ctx({ headers: { 'x-forwarded-client-cert': `URI=${svid.spiffeId}` }, clientIp: '10.1.2.3' }));
    expect(await bare!.text()).toContain('carries no readable Cert');
  });

  test('RFC 9440 Client-Cert from a trusted proxy (rfc9440 mode); XFCC is then not read', async () => {
    const filters = compile({ trusted_proxies: { cidrs: ['10.0.0.0/8', '2001:db8::/32'], client_cert_header: 'rfc9440' } });
    const c = ctx({ headers: { 'client-cert': rfc9440(svid.certPem), 'client-cert-chain': '' }, clientIp: '2001:db8::1' });
    expect(await runFilters(filters, c)).toBeUndefined();
    expect(c.peer).toEqual(PEER);
    const x = ctx({ headers: { 'x-forwarded-client-cert': xfccOf(svid) }, clientIp: '10.0.0.1' });
    expect((await runFilters(filters, x))?.status).toBe(403);
    expect(x.headers.has('x-forwarded-client-cert')).toBe(false);
  });

  test('a trusted proxy that forwards no certificate: the edge-verified certificate (the proxy\'s own) is used', async () => {
    const c = ctx({ tls: presented(svid.certPem), clientIp: '10.1.2.3' });
    expect(await runFilters(compile(trusted), c)).toBeUndefined();
    expect(c.peer).toEqual(PEER);
  });
});

describe('peer_authn filter: parsing once per certificate', () => {
  test('one distinct certificate is parsed and checked once; validity is still judged per request', async () => {
    const [filter] = compile();
    const verifier = filter!;
    const verify = vi.spyOn(crypto.subtle, 'verify');
    try {
      for (let i = 0; i < 5; i++) expect(await verifier.onRequest(ctx({ tls: presented(svid.certPem) }))).toBeUndefined();
      // One signature (leaf ← root) checked for five requests.
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
    // Same certificate later, past its notAfter: refused although the chain result is cached.
    const late = await verifier.onRequest(ctx({ tls: presented(svid.certPem), at: T0 + 48 * 3_600_000 }));
    expect(late?.status).toBe(403);
  });
});
