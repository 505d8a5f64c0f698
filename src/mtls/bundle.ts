import type { JWK } from 'jose';
import type { MeshCa } from './ca.ts';
import type { Jwks } from './jwt-svid.ts';

// The trust bundle: what peers need to verify mesh identities, and nothing else — root
// certificates (each trusted until its `notAfter`) and the public JWT-SVID keys. Public material
// only, so it may go into snapshots (SDS Secret `ROOTCA`), `meshgate ca bundle` and config dumps.
// Root rotation (Istio: https://istio.io/latest/docs/ops/configuration/security/root-transition/)
// adds the new root and keeps the old one trusted for an overlap period, so certificates issued by
// either verify until every workload holds one from the new root.
// https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE_Trust_Domain_and_Bundle.md

export interface BundleRoot {
  pem: string;
  /** ISO time after which this root is no longer trusted: its own notAfter, or its retirement. */
  notAfter: string;
}

export interface BundleJwtKey {
  /** Public JWK (kid, alg ES256). */
  jwk: JWK;
  /** ISO time after which tokens signed by it are no longer accepted (retired keys only). */
  notAfter?: string;
}

export interface TrustBundle {
  trustDomain: string;
  /** Newest first; verification accepts a chain to any root still within its notAfter. */
  roots: BundleRoot[];
  jwtKeys: BundleJwtKey[];
}

/** Istio's root transition guide suggests keeping the old root at least a workload-certificate lifetime; meshgate keeps it a week. */
export const DEFAULT_ROTATION_OVERLAP_MS = 7 * 86_400_000;

export function bundleOf(ca: MeshCa): TrustBundle {
  return { trustDomain: ca.trustDomain, roots: [{ pem: ca.rootPem, notAfter: rootNotAfter(ca).toISOString() }], jwtKeys: [{ jwk: ca.jwt.publicJwk }] };
}

// The root's own expiry bounds trust (an intermediate CA's expiry only bounds issuance).
const rootNotAfter = (ca: MeshCa): Date => ca.rootNotAfter;

/**
 * Rotates to `next`'s root: it goes first; every previous root (and JWT key) stays trusted until
 * `now + overlapMs` (or its own earlier expiry). Entries already past their notAfter are dropped.
 */
export function rotateBundle(bundle: TrustBundle, next: MeshCa, opts: { now?: number; overlapMs?: number } = {}): TrustBundle {
  const now = opts.now ?? Date.now();
  const retireAt = now + (opts.overlapMs ?? DEFAULT_ROTATION_OVERLAP_MS);
  const nextRoot = next.rootPem.trim();
  const roots: BundleRoot[] = [{ pem: next.rootPem, notAfter: rootNotAfter(next).toISOString() }];
  for (const r of bundle.roots) {
    if (r.pem.trim() === nextRoot) continue;
    const until = Math.min(Date.parse(r.notAfter), retireAt);
    if (until > now) roots.push({ pem: r.pem, notAfter: new Date(until).toISOString() });
  }
  const jwtKeys: BundleJwtKey[] = [{ jwk: next.jwt.publicJwk }];
  for (const k of bundle.jwtKeys) {
    if (k.jwk.kid === next.jwt.kid) continue;
    const until = Math.min(k.notAfter ? Date.parse(k.notAfter) : Infinity, retireAt);
    if (until > now) jwtKeys.push({ jwk: k.jwk, notAfter: new Date(until).toISOString() });
  }
  return { trustDomain: next.trustDomain, roots, jwtKeys };
}

/** Drops roots and keys past their notAfter. */
export function pruneBundle(bundle: TrustBundle, now: number = Date.now()): TrustBundle {
  return {
    trustDomain: bundle.trustDomain,
    roots: bundle.roots.filter((r) => Date.parse(r.notAfter) > now),
    jwtKeys: bundle.jwtKeys.filter((k) => !k.notAfter || Date.parse(k.notAfter) > now),
  };
}

/** The JWKS to verify JWT-SVIDs with at `now` (public keys only). */
export function bundleJwks(bundle: TrustBundle, now: number = Date.now()): Jwks {
  return { keys: bundle.jwtKeys.filter((k) => !k.notAfter || Date.parse(k.notAfter) > now).map((k) => publicOnly(k.jwk)) };
}

/** The roots as one PEM text (SDS `validation_context.trusted_ca.inline_string`). */
export function bundlePem(bundle: TrustBundle, now: number = Date.now()): string {
  return bundle.roots.filter((r) => Date.parse(r.notAfter) > now).map((r) => r.pem.trim() + '\n').join('');
}

// Belt and braces: whatever a caller put in, a bundle never carries a private JWK member.
const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);
function publicOnly(jwk: JWK): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_JWK_MEMBERS.has(k))) as JWK;
}
