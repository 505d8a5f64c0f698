import { x509 } from './x509.ts';
import { pemBlocks, sha256Hex } from './encoding.ts';
import { parseSpiffeId, toPrincipal, type SpiffeId } from './spiffe.ts';
import type { BundleRoot } from './bundle.ts';

// Verification of a peer's X.509 SVID against the trust bundle, in two halves so a caller can
// cache the expensive one: `checkChain` (parsing, signatures up to a bundle root, SVID shape,
// trust domain — independent of time) and `checkValidity` (the validity window at a given time).
// Rules: RFC 5280 path building (issuer name → subject, signature, CA:true/keyCertSign for
// issuers, validity) and X509-SVID.md (one URI SAN with the SPIFFE ID; leaf not a CA).
// https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md

/** A root certificate of the bundle, parsed once. */
export interface TrustAnchor {
  readonly cert: x509.X509Certificate;
  readonly subject: string;
  readonly notBefore: number;
  /** Its own notAfter, or its retirement from the bundle if earlier. */
  readonly notAfter: number;
}

/** Parses bundle roots (PEM text — possibly several blocks — or bundle entries); throws on a malformed one. */
export function trustAnchors(roots: readonly (string | BundleRoot)[]): TrustAnchor[] {
  const out: TrustAnchor[] = [];
  roots.forEach((r, i) => {
    const pem = typeof r === 'string' ? r : r.pem;
    const ders = pemBlocks(pem, 'CERTIFICATE');
    if (!ders.length) throw new Error(`trust bundle root #${i + 1} is not a PEM "CERTIFICATE" block`);
    for (const der of ders) {
      let cert: x509.X509Certificate;
      try {
        cert = new x509.X509Certificate(der);
      } catch {
        throw new Error(`trust bundle root #${i + 1} is not a valid X.509 certificate`);
      }
      const retire = typeof r === 'string' ? Infinity : Date.parse(r.notAfter);
      out.push({ cert, subject: cert.subject, notBefore: cert.notBefore.getTime(), notAfter: Math.min(cert.notAfter.getTime(), Number.isNaN(retire) ? Infinity : retire) });
    }
  });
  return out;
}

export interface VerifiedChain {
  ok: true;
  spiffeId: string;
  principal: string;
  id: SpiffeId;
  /** Hex SHA-256 of the leaf DER (Envoy's XFCC `Hash`). */
  sha256: string;
  /** The window in which every certificate of the path (and the root's trust) is valid, ms. */
  notBefore: number;
  notAfter: number;
  /** Which certificate ends the window first, for the expiry reason. */
  expiresWith: 'certificate' | 'intermediate certificate' | 'root certificate';
}
export type ChainCheck = VerifiedChain | { ok: false; reason: string };
export type PeerVerification = VerifiedChain | { ok: false; reason: string };

/** Most intermediates a path may have (Istio's plug-in CAs use one or two). */
const MAX_INTERMEDIATES = 4;

const isCaCert = (c: x509.X509Certificate) => {
  const bc = c.getExtension(x509.BasicConstraintsExtension);
  const ku = c.getExtension(x509.KeyUsagesExtension);
  return !!bc?.ca && (!ku || (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0);
};

/** RFC 5280 §4.2.1.9: at most pathLenConstraint intermediate CAs may follow a CA certificate. */
const allowsBelow = (c: x509.X509Certificate, below: number) => {
  const len = c.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  return len === undefined || below <= len;
};

/** OIDs a client certificate's extendedKeyUsage must include one of, when it has one (OpenSSL's `sslclient` purpose). */
const CLIENT_EKUS: readonly string[] = [x509.ExtendedKeyUsage.clientAuth, '2.5.29.37.0' /* anyExtendedKeyUsage */];

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

interface Path {
  certs: x509.X509Certificate[];
  anchor: TrustAnchor;
}

/** `depth`: how many intermediates lie between `cert`'s issuer and the leaf (pathLenConstraint). */
async function buildPath(cert: x509.X509Certificate, intermediates: readonly x509.X509Certificate[], anchors: readonly TrustAnchor[], depth: number): Promise<Path | null> {
  let best: TrustAnchor | null = null;
  for (const a of anchors) {
    if (a.subject !== cert.issuer || !allowsBelow(a.cert, depth)) continue;
    // Several roots may verify (a root renewed with the same key): the longest-trusted one wins.
    if ((!best || a.notAfter > best.notAfter) && (await signedBy(cert, a.cert))) best = a;
  }
  if (best) return { certs: [], anchor: best };
  if (depth >= MAX_INTERMEDIATES) return null;
  for (const im of intermediates) {
    if (im.subject !== cert.issuer || im === cert || !isCaCert(im) || !allowsBelow(im, depth)) continue;
    if (!(await signedBy(cert, im))) continue;
    const rest = await buildPath(im, intermediates.filter((c) => c !== im), anchors, depth + 1);
    if (rest) return { certs: [im, ...rest.certs], anchor: rest.anchor };
  }
  return null;
}

function parseDer(der: Uint8Array, what: string): x509.X509Certificate | string {
  try {
    return new x509.X509Certificate(der);
  } catch {
    return `${what} is not a valid X.509 certificate`;
  }
}

/** The one SPIFFE ID in the URI SANs, or why there is none. */
function spiffeIdOf(leaf: x509.X509Certificate): { uri: string; id: SpiffeId } | string {
  let uris: string[];
  try {
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    uris = san ? san.names.items.filter((n) => n.type === 'url').map((n) => n.value) : [];
  } catch {
    return 'certificate has a subjectAltName extension that cannot be read';
  }
  if (uris.length === 0) return 'certificate has no SPIFFE ID (no URI subjectAltName)';
  if (uris.length > 1) return 'certificate has more than one URI subjectAltName (an X.509 SVID has exactly one)';
  const parsed = parseSpiffeId(uris[0]!);
  if (!parsed.ok) return `certificate URI subjectAltName is not a SPIFFE ID: ${parsed.reason}`;
  return { uri: uris[0]!, id: parsed.id };
}

/**
 * Everything about a peer certificate that does not depend on time: it parses, is an SVID (not a
 * CA, one SPIFFE URI SAN, of an accepted trust domain), and chains — through the presented
 * intermediates — to a bundle root by signature.
 */
export async function checkChain(
  leafDer: Uint8Array,
  opts: { anchors: readonly TrustAnchor[]; intermediates?: readonly Uint8Array[]; trustDomains?: readonly string[] },
): Promise<ChainCheck> {
  const leaf = parseDer(leafDer, 'certificate');
  if (typeof leaf === 'string') return { ok: false, reason: leaf };
  if (leaf.getExtension(x509.BasicConstraintsExtension)?.ca) return { ok: false, reason: 'certificate is a CA certificate, not a workload certificate' };
  const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
  if (eku && !eku.usages.some((u) => CLIENT_EKUS.includes(String(u)))) return { ok: false, reason: 'certificate is not for client authentication (its extendedKeyUsage lacks clientAuth)' };
  const san = spiffeIdOf(leaf);
  if (typeof san === 'string') return { ok: false, reason: san };
  if (opts.trustDomains && !opts.trustDomains.includes(san.id.trustDomain)) {
    return { ok: false, reason: `certificate's trust domain "${san.id.trustDomain}" is not trusted by this mesh (trusted: ${opts.trustDomains.join(', ')})` };
  }
  const intermediates: x509.X509Certificate[] = [];
  for (const [i, der] of (opts.intermediates ?? []).entries()) {
    const c = parseDer(der, `chain certificate #${i + 1}`);
    if (typeof c === 'string') return { ok: false, reason: c };
    intermediates.push(c);
  }
  if (!opts.anchors.length) return { ok: false, reason: 'the mesh trust bundle has no root certificate' };
  const path = await buildPath(leaf, intermediates, opts.anchors, 0);
  if (!path) return { ok: false, reason: 'certificate is not issued by the mesh CA (it does not chain to a root of the mesh trust bundle)' };
  let notBefore = leaf.notBefore.getTime();
  let notAfter = leaf.notAfter.getTime();
  let expiresWith: VerifiedChain['expiresWith'] = 'certificate';
  for (const c of path.certs) {
    notBefore = Math.max(notBefore, c.notBefore.getTime());
    if (c.notAfter.getTime() < notAfter) [notAfter, expiresWith] = [c.notAfter.getTime(), 'intermediate certificate'];
  }
  notBefore = Math.max(notBefore, path.anchor.notBefore);
  if (path.anchor.notAfter < notAfter) [notAfter, expiresWith] = [path.anchor.notAfter, 'root certificate'];
  return { ok: true, spiffeId: san.uri, principal: toPrincipal(san.uri), id: san.id, sha256: await sha256Hex(leafDer), notBefore, notAfter, expiresWith };
}

/** The time half: is the checked chain valid at `at` (ms)? */
export function checkValidity(chain: ChainCheck, at: number): PeerVerification {
  if (!chain.ok) return chain;
  if (at < chain.notBefore) return { ok: false, reason: `certificate is not yet valid (valid from ${new Date(chain.notBefore).toISOString()})` };
  if (at > chain.notAfter) {
    const what = chain.expiresWith === 'certificate' ? 'certificate has expired' : `the ${chain.expiresWith} it chains to is no longer valid or trusted`;
    return { ok: false, reason: `${what} (not after ${new Date(chain.notAfter).toISOString()})` };
  }
  return chain;
}

/** Verifies a peer certificate chain at `at` (default now): both halves. */
export async function verifyPeerCertificate(
  leafDer: Uint8Array,
  opts: { roots: readonly (string | BundleRoot)[] | readonly TrustAnchor[]; intermediates?: readonly Uint8Array[]; trustDomains?: readonly string[]; at?: number },
): Promise<PeerVerification> {
  const anchors = isAnchorList(opts.roots) ? opts.roots : trustAnchors(opts.roots as readonly (string | BundleRoot)[]);
  const chain = await checkChain(leafDer, { anchors, ...(opts.intermediates ? { intermediates: opts.intermediates } : {}), ...(opts.trustDomains ? { trustDomains: opts.trustDomains } : {}) });
  return checkValidity(chain, opts.at ?? Date.now());
}

function isAnchorList(v: readonly unknown[]): v is readonly TrustAnchor[] {
  return v.length > 0 && typeof v[0] === 'object' && v[0] !== null && 'cert' in v[0];
}
