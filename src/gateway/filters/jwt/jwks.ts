import { errors, importJWK, jwtVerify, type JWK } from 'jose';
import type { RemoteJwks } from '../../../xds/filters/jwt-authn.ts';
import { durationMs } from '../../../xds/resources/common.ts';
import { JwtStatus } from './status.ts';
import type { ParsedJwt } from './token.ts';

// JSON Web Key Sets: parsed once (inline: at compile; remote: per fetch), keys imported with jose
// on first use per algorithm, and the key choice of jwt_verify_lib (verify.cc): a key is a
// candidate when its `kid` (if both have one) and `alg` (if the key has one) agree with the
// token and its type fits the token's algorithm; no candidate ⇒ "Jwks doesn't have key to match
// kid or alg from Jwt", candidates that all fail ⇒ "Jwt verification fails".
// Remote sets are fetched with the global fetch, with the rule's timeout, and cached per isolate
// by URI for cache_duration. Nothing here logs or reports key material.

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);
const EC_ALG: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

interface Key {
  kid: string;
  alg: string;
  /** The algorithms this key can verify (the allow-list passed to jose). */
  algs: ReadonlySet<string>;
  jwk: JWK;
  imported: Map<string, Promise<CryptoKey | Uint8Array | undefined>>;
}

export interface KeySet {
  readonly keys: readonly Key[];
}

const str = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Algorithms a JWK may verify, or undefined when it is unusable (missing members, unknown type). */
function algorithmsFor(k: Record<string, unknown>): Set<string> | undefined {
  switch (k.kty) {
    case 'RSA':
      return str(k.n) && str(k.e) ? new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) : undefined;
    case 'EC':
      return str(k.crv) && EC_ALG[k.crv] && str(k.x) && str(k.y) ? new Set([EC_ALG[k.crv]!]) : undefined;
    case 'OKP':
      return k.crv === 'Ed25519' && str(k.x) ? new Set(['EdDSA']) : undefined;
    case 'oct':
      return str(k.k) ? new Set(['HS256', 'HS384', 'HS512']) : undefined;
    default:
      return undefined;
  }
}

/** A JWKS document → its usable public keys; undefined when it is not a JWKS at all. */
export function parseKeySet(text: string): KeySet | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return undefined;
  const out: Key[] = [];
  for (const raw of keys) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const k = raw as Record<string, unknown>;
    const algs = algorithmsFor(k);
    if (!algs) continue;
    if (k.alg !== undefined && !(str(k.alg) && algs.has(k.alg))) continue;
    const jwk = Object.fromEntries(Object.entries(k).filter(([m]) => !PRIVATE_MEMBERS.has(m))) as JWK;
    out.push({ kid: str(k.kid) ? k.kid : '', alg: str(k.alg) ? k.alg : '', algs, jwk, imported: new Map() });
  }
  return { keys: out };
}

function importFor(key: Key, alg: string): Promise<CryptoKey | Uint8Array | undefined> {
  let p = key.imported.get(alg);
  if (!p) {
    p = importJWK(key.jwk, alg).catch(() => undefined);
    key.imported.set(alg, p);
  }
  return p;
}

/**
 * Verifies the token's signature (jose jwtVerify, with the request's clock and Envoy's skew;
 * issuer, audience and times were already judged in Envoy's order).
 */
export async function verifySignature(set: KeySet, jwt: ParsedJwt, now: Date, skewSeconds: number): Promise<JwtStatus> {
  if (!set.keys.length) return JwtStatus.JwksNoValidKeys;
  let matched = false;
  for (const key of set.keys) {
    if (jwt.kid && key.kid && key.kid !== jwt.kid) continue;
    if (key.alg && key.alg !== jwt.alg) continue;
    if (!key.algs.has(jwt.alg)) continue;
    matched = true;
    const imported = await importFor(key, jwt.alg);
    if (!imported) continue;
    try {
      await jwtVerify(jwt.token, imported, { algorithms: [jwt.alg], currentDate: now, clockTolerance: skewSeconds });
      return JwtStatus.Ok;
    } catch (e) {
      // Times were checked first (Envoy's order); jose can only disagree at the exact boundary second.
      if (e instanceof errors.JWTExpired) return JwtStatus.JwtExpired;
    }
  }
  return matched ? JwtStatus.JwtVerificationFail : JwtStatus.JwksKidAlgMismatch;
}

// ---- remote JWKS ----

const MAX_JWKS_BYTES = 1 << 20;

interface CacheEntry {
  expires: number;
  set: KeySet;
}
const cache = new Map<string, CacheEntry>();
const inflight = new Map<string, Promise<KeySet | JwtStatus>>();

/** Forget every fetched JWKS (tests; a new isolate starts empty anyway). */
export function clearJwksCache(): void {
  cache.clear();
  inflight.clear();
}

async function fetchJson(uri: string, deadline: number): Promise<unknown> {
  const ms = Math.max(0, deadline - Date.now());
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  try {
    const res = await fetch(uri, { headers: { accept: 'application/json' }, signal: ctl.signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error('status');
    }
    const text = await res.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('size');
    return JSON.parse(text);
  } finally {
    clearTimeout(timer);
  }
}

async function load(remote: RemoteJwks): Promise<KeySet | JwtStatus> {
  // One deadline for the whole fetch (discovery document and JWKS together).
  const deadline = Date.now() + durationMs(remote.http_uri.timeout);
  try {
    let uri = remote.http_uri.uri;
    if (remote['meshgate.openid_discovery']) {
      const doc = (await fetchJson(uri, deadline)) as { jwks_uri?: unknown } | null;
      if (typeof doc?.jwks_uri !== 'string' || !/^https?:\/\//.test(doc.jwks_uri)) return JwtStatus.JwksFetchFail;
      uri = doc.jwks_uri;
    }
    const set = parseKeySet(JSON.stringify(await fetchJson(uri, deadline)));
    return set ?? JwtStatus.JwksFetchFail;
  } catch {
    return JwtStatus.JwksFetchFail;
  }
}

/** The provider's remote key set: cached, or fetched once for all concurrent requests. */
export async function remoteKeySet(remote: RemoteJwks, nowMs: number): Promise<KeySet | JwtStatus> {
  const key = `${remote['meshgate.openid_discovery'] ? 'oidc' : 'jwks'} ${remote.http_uri.uri}`;
  const hit = cache.get(key);
  if (hit && hit.expires > nowMs) return hit.set;
  let p = inflight.get(key);
  if (!p) {
    p = load(remote).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  const got = await p;
  if (typeof got !== 'string') cache.set(key, { set: got, expires: nowMs + durationMs(remote.cache_duration ?? '600s') });
  return got;
}
