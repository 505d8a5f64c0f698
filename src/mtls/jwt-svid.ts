import { SignJWT, calculateJwkThumbprint, createLocalJWKSet, errors, exportJWK, importJWK, jwtVerify, type JWK } from 'jose';
import { parseSpiffeId, toPrincipal, type SpiffeId } from './spiffe.ts';

// JWT-SVIDs (https://github.com/spiffe/spiffe/blob/main/standards/JWT-SVID.md): ES256 tokens whose
// `sub` is the workload's SPIFFE ID, with a required `aud` and a short `exp`, signed by a key of
// the mesh CA whose public half is published as a JWKS in the trust bundle. The `kid` is the key's
// RFC 7638 thumbprint, so it is stable across restarts and says nothing about the key.

/** SPIRE's default JWT-SVID lifetime; workloads renew before it runs out. */
export const DEFAULT_JWT_SVID_TTL_MS = 5 * 60_000;

export interface Jwks {
  keys: JWK[];
}

export class JwtSvidSigner {
  readonly kid: string;
  /** Public JWK (with `kid`, `alg`, `use`): safe to publish. */
  readonly publicJwk: JWK;
  readonly #privateKey: CryptoKey;

  private constructor(privateKey: CryptoKey, publicJwk: JWK, kid: string) {
    this.#privateKey = privateKey;
    this.publicJwk = publicJwk;
    this.kid = kid;
  }

  static async generate(): Promise<JwtSvidSigner> {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    return JwtSvidSigner.#from(pair.privateKey, await exportJWK(pair.publicKey));
  }

  /** From a stored private JWK (what {@link exportPrivateJwk} returned). Errors never quote the key. */
  static async fromPrivateJwk(jwk: JWK): Promise<JwtSvidSigner> {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error('the JWT-SVID signing key must be a private EC P-256 JWK');
    let key: CryptoKey;
    try {
      key = (await importJWK({ ...jwk, ext: true }, 'ES256')) as CryptoKey;
    } catch {
      throw new Error('the JWT-SVID signing key is not a valid EC P-256 private JWK');
    }
    return JwtSvidSigner.#from(key, { kty: jwk.kty, crv: jwk.crv, x: jwk.x!, y: jwk.y! });
  }

  static async #from(privateKey: CryptoKey, pub: JWK): Promise<JwtSvidSigner> {
    const publicOnly: JWK = { kty: pub.kty!, crv: pub.crv!, x: pub.x!, y: pub.y! };
    const kid = await calculateJwkThumbprint(publicOnly, 'sha256');
    return new JwtSvidSigner(privateKey, { ...publicOnly, kid, alg: 'ES256', use: 'sig' }, kid);
  }

  /** The private key as a JWK, for the control plane's storage only. */
  async exportPrivateJwk(): Promise<JWK> {
    return exportJWK(this.#privateKey);
  }

  /**
   * Signs a JWT-SVID. `audience` is required (JWT-SVID §3: validators must check it).
   */
  async issue(opts: { spiffeId: string; audience: string | string[]; now?: number; ttlMs?: number }): Promise<string> {
    const parsed = parseSpiffeId(opts.spiffeId);
    if (!parsed.ok) throw new Error(`cannot issue a JWT-SVID for "${opts.spiffeId}": ${parsed.reason}`);
    const aud = Array.isArray(opts.audience) ? opts.audience : [opts.audience];
    if (aud.length === 0 || aud.some((a) => !a)) throw new Error('a JWT-SVID needs at least one non-empty audience');
    const now = Math.floor((opts.now ?? Date.now()) / 1000);
    const ttl = Math.max(1, Math.floor((opts.ttlMs ?? DEFAULT_JWT_SVID_TTL_MS) / 1000));
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.kid, typ: 'JWT' })
      .setSubject(opts.spiffeId)
      .setAudience(aud.length === 1 ? aud[0]! : aud)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(this.#privateKey);
  }

  toJSON(): { kid: string; publicJwk: JWK } {
    return { kid: this.kid, publicJwk: this.publicJwk };
  }
}

export type JwtSvidVerification =
  | { ok: true; spiffeId: string; principal: string; id: SpiffeId; audience: string[]; expiresAt: number }
  | { ok: false; reason: string };

/**
 * Verifies a JWT-SVID against the published JWKS: ES256 only, `aud` must contain `audience`,
 * `exp` required, `sub` must be a SPIFFE ID of an accepted trust domain.
 */
export async function verifyJwtSvid(
  token: string,
  opts: { jwks: Jwks; audience: string; now?: number; trustDomains?: readonly string[]; clockToleranceSec?: number },
): Promise<JwtSvidVerification> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(opts.jwks), {
      algorithms: ['ES256'],
      audience: opts.audience,
      requiredClaims: ['exp', 'sub', 'aud'],
      currentDate: new Date(opts.now ?? Date.now()),
      ...(opts.clockToleranceSec ? { clockTolerance: opts.clockToleranceSec } : {}),
    });
    // jose checks `iat` is a number only: one in the future (beyond the skew) was never issued by a sane CA.
    const nowSec = (opts.now ?? Date.now()) / 1000;
    if (typeof payload.iat === 'number' && payload.iat > nowSec + (opts.clockToleranceSec ?? 0)) {
      return { ok: false, reason: 'JWT-SVID was issued in the future (iat)' };
    }
    const sub = payload.sub!;
    const parsed = parseSpiffeId(sub);
    if (!parsed.ok) return { ok: false, reason: `JWT-SVID subject is not a SPIFFE ID: ${parsed.reason}` };
    if (opts.trustDomains && !opts.trustDomains.includes(parsed.id.trustDomain)) {
      return { ok: false, reason: `JWT-SVID trust domain "${parsed.id.trustDomain}" is not trusted (trusted: ${opts.trustDomains.join(', ')})` };
    }
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    return { ok: true, spiffeId: sub, principal: toPrincipal(sub), id: parsed.id, audience: aud, expiresAt: payload.exp! * 1000 };
  } catch (e) {
    if (e instanceof errors.JWTExpired) return { ok: false, reason: 'JWT-SVID has expired' };
    if (e instanceof errors.JWTClaimValidationFailed) return { ok: false, reason: `JWT-SVID claim "${e.claim}" is not valid: ${e.reason}` };
    if (e instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: 'JWT-SVID is not signed by a key in the trust bundle' };
    if (e instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'JWT-SVID signature does not verify' };
    if (e instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: 'JWT-SVID must be signed with ES256' };
    return { ok: false, reason: 'JWT-SVID is malformed' };
  }
}
