import { PEER_AUTHN_FILTER, PeerAuthn, type PeerAuthnMode } from '../../xds/filters/peer-authn.ts';
import { PeerVerifier } from '../../mtls/peer-verifier.ts';
import { formatXfcc, parseRfc9440, parseRfc9440List, parseXfcc, type PeerCertificate } from '../../mtls/peer-certificate.ts';
import { compileCidrs, ipInCidrs, type CidrSet } from '../http/forwarded.ts';
import { localReply } from '../http/local-reply.ts';
import { verifyJwtSvid, type Jwks } from '../../mtls/jwt-svid.ts';
import { IDENTITY_AUDIENCE, IDENTITY_CLOCK_SKEW_SEC, SVID_HEADER } from '../../mtls/workload-identity.ts';
import { registerHttpFilter, type CompiledHttpFilter, type FilterContext } from './chain.ts';
import type { HeaderBag } from '../http/header-map.ts';

// Peer authentication at the edge (`meshgate.filters.http.peer_authn`; docs/identity.md). The TLS
// handshake is Cloudflare's: it reports the client certificate in `request.cf.tlsClientAuth`
// (reference/cloudflare-workers.md §1a). The gateway believes it only when Cloudflare says it was
// presented, verified and not revoked, then checks itself that the leaf is an X.509 SVID chaining
// to the mesh trust bundle and takes its SPIFFE ID as the peer identity. Behind a trusted proxy
// the certificate may come in XFCC or RFC 9440 `Client-Cert` instead; from anyone else those
// headers are removed, never believed. STRICT refuses a request without a verified identity with
// 403 (Envoy would fail the handshake; there is no handshake to fail here).
// Workers have no client certificate on a service binding: they present a JWT-SVID in
// `x-meshgate-svid` instead (meshFetch), verified here against the bundle's JWKS. It counts as a
// verified peer identity (also under STRICT); the header never goes upstream.

export const MTLS_REQUIRED_BODY = "mTLS required: this workload's PeerAuthentication is STRICT; present a client certificate issued by the mesh CA";

/** workers-types IncomingRequestCfPropertiesTLSClientAuth, the fields read here. */
interface TlsClientAuth {
  certPresented?: string;
  certVerified?: string;
  certRevoked?: string;
  certRFC9440?: string;
  certRFC9440TooLarge?: boolean;
  certChainRFC9440?: string;
  certChainRFC9440TooLarge?: boolean;
}

type Found = { cert: PeerCertificate } | { reason: string } | null;

function fromCloudflare(request: Request): Found {
  const tls = (request as { cf?: { tlsClientAuth?: TlsClientAuth } }).cf?.tlsClientAuth;
  if (!tls || tls.certPresented !== '1') return null;
  // certRFC9440 is filled whatever the verification outcome: gate on it first.
  if (tls.certVerified !== 'SUCCESS') return { reason: `the edge did not verify the client certificate (${tls.certVerified || 'NONE'})` };
  if (tls.certRevoked === '1') return { reason: 'the client certificate is revoked' };
  if (tls.certRFC9440TooLarge) return { reason: 'certificate is too large' };
  const leaf = parseRfc9440(tls.certRFC9440);
  if (!leaf) return { reason: 'the edge reported no readable client certificate' };
  const chain = tls.certChainRFC9440TooLarge ? [] : (parseRfc9440List(tls.certChainRFC9440) ?? []);
  return { cert: { leaf, chain } };
}

function fromTrustedProxy(headers: HeaderBag, kind: 'xfcc' | 'rfc9440'): Found {
  if (kind === 'xfcc') {
    const raw = headers.get('x-forwarded-client-cert');
    if (raw === null) return null;
    const el = parseXfcc(raw);
    return el?.cert ? { cert: el.cert } : { reason: 'the forwarded x-forwarded-client-cert carries no readable Cert' };
  }
  const raw = headers.get('client-cert');
  if (raw === null) return null;
  const leaf = parseRfc9440(raw);
  const chain = parseRfc9440List(headers.get('client-cert-chain'));
  return leaf && chain ? { cert: { leaf, chain } } : { reason: 'the forwarded Client-Cert is not an RFC 9440 byte sequence' };
}

type Peer = NonNullable<FilterContext['peer']>;
type SvidResult = { ok: true; peer: Peer; spiffeId: string; expiresAt: number } | { ok: false; reason: string };

/** Verified JWT-SVIDs per token string, so each is verified once (bounded; oldest evicted first). */
const SVID_CACHE_MAX = 512;

function jwtSvidVerifier(jwks: Jwks | undefined, trustDomains: readonly string[]) {
  const verified = new Map<string, { peer: Peer; spiffeId: string; expiresAt: number }>();
  const skewMs = IDENTITY_CLOCK_SKEW_SEC * 1000;
  return async (token: string, now: number): Promise<SvidResult> => {
    const hit = verified.get(token);
    if (hit) {
      if (now < hit.expiresAt + skewMs) return { ok: true, ...hit };
      verified.delete(token);
      return { ok: false, reason: 'JWT-SVID has expired' };
    }
    if (!jwks?.keys.length) return { ok: false, reason: 'the trust bundle has no JWT-SVID key' };
    const r = await verifyJwtSvid(token, { jwks, audience: IDENTITY_AUDIENCE, trustDomains, now, clockToleranceSec: IDENTITY_CLOCK_SKEW_SEC });
    if (!r.ok) return r;
    const peer: Peer = {
      principal: r.principal,
      trustDomain: r.id.trustDomain,
      ...(r.id.namespace !== undefined ? { namespace: r.id.namespace } : {}),
      ...(r.id.serviceAccount !== undefined ? { serviceAccount: r.id.serviceAccount } : {}),
    };
    if (verified.size >= SVID_CACHE_MAX) verified.delete(verified.keys().next().value!);
    const entry = { peer, spiffeId: r.spiffeId, expiresAt: r.expiresAt };
    verified.set(token, entry);
    return { ok: true, ...entry };
  };
}

export function compilePeerAuthn(typedConfig: Record<string, unknown>): CompiledHttpFilter {
  const c = PeerAuthn.parse(typedConfig);
  // Roots are parsed here, once per snapshot; a malformed one fails the compile (NACK).
  const verifier = new PeerVerifier({ roots: c.trusted_roots ?? [], trustDomains: c.trust_domains });
  const ports = new Map<number, PeerAuthnMode>(Object.entries(c.port_level_mtls ?? {}).map(([p, m]) => [Number(p), m]));
  const verifySvid = jwtSvidVerifier(c.trusted_jwks as Jwks | undefined, c.trust_domains);
  const proxies: { cidrs: CidrSet; header: 'xfcc' | 'rfc9440' } | null = c.trusted_proxies ? { cidrs: compileCidrs(c.trusted_proxies.cidrs), header: c.trusted_proxies.client_cert_header } : null;

  return {
    name: PEER_AUTHN_FILTER,
    onRequest(ctx: FilterContext) {
      const mode = ports.get(ctx.port) ?? c.mode;
      // The connection manager removed client-certificate headers before routing
      // (applyForwardedHeaders); a trusted proxy's are read from the request as it arrived.
      const viaProxy = proxies && ipInCidrs(ctx.clientIp, proxies.cidrs) ? fromTrustedProxy(ctx.request.headers, proxies.header) : null;
      // The JWT-SVID is a credential for this gateway only: the connection manager removed it
      // from what goes upstream (applyForwardedHeaders); it is read from the request as it arrived.
      const svid = ctx.request.headers.get(SVID_HEADER);
      ctx.headers.delete(SVID_HEADER);
      // DISABLE: plaintext only — neither certificates nor JWT-SVIDs are looked at, no identity comes from them.
      if (mode === 'DISABLE') return undefined;
      // A service-binding caller sets `request.cf` itself, and a certificate needs no private key to copy.
      const found = viaProxy ?? (ctx.cfFromEdge === false ? null : fromCloudflare(ctx.request));
      // Nothing to verify (most requests under PERMISSIVE): decided without a promise.
      if (!found && svid === null) return mode === 'STRICT' && !ctx.peer ? localReply(403, MTLS_REQUIRED_BODY) : undefined;
      return verified(ctx, mode, found, svid);
    },
  };

  async function verified(ctx: FilterContext, mode: PeerAuthnMode, found: Found, svid: string | null): Promise<Response | undefined> {
    let reason: string | undefined;
    if (found && 'cert' in found) {
      const r = await verifier.verify(found.cert, ctx.rt.now());
      if (r.ok) {
        ctx.peer = {
          principal: r.principal,
          trustDomain: r.id.trustDomain,
          ...(r.id.namespace !== undefined ? { namespace: r.id.namespace } : {}),
          ...(r.id.serviceAccount !== undefined ? { serviceAccount: r.id.serviceAccount } : {}),
        };
        // Envoy's SANITIZE_SET: the upstream learns who called, from us only.
        ctx.headers.set('x-forwarded-client-cert', formatXfcc(r));
        return undefined;
      }
      reason = r.reason;
    } else if (found) reason = found.reason;
    // A Worker's JWT-SVID (meshFetch): a certificate identity, when verified above, wins.
    if (svid !== null && !ctx.peer) {
      const r = await verifySvid(svid.trim(), ctx.rt.now());
      if (r.ok) {
        ctx.peer = { ...r.peer };
        ctx.headers.set('x-forwarded-client-cert', `URI=${r.spiffeId}`);
        return undefined;
      }
      // An invalid token is no identity (PERMISSIVE goes on without a peer; STRICT refuses below).
      reason = reason ? `${reason}; JWT-SVID refused: ${r.reason}` : `JWT-SVID refused: ${r.reason}`;
    }
    // An identity the pipeline established before the filters (never from request headers) stands.
    if (mode === 'STRICT' && !ctx.peer) return localReply(403, reason ? `${MTLS_REQUIRED_BODY}\n${reason.startsWith('JWT-SVID') ? reason : `certificate refused: ${reason}`}` : MTLS_REQUIRED_BODY);
    // PERMISSIVE: a request without a (valid) certificate goes on as plaintext would, with no identity.
    return undefined;
  }
}

registerHttpFilter(PEER_AUTHN_FILTER, compilePeerAuthn);
