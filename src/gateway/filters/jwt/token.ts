import { JwtStatus } from './status.ts';

// A JWT parsed and checked the way google/jwt_verify_lib (jwt.cc parseFromString) does before any
// key is involved, so a malformed token fails with Envoy's message. The signature itself is
// checked later with jose.

/** The algorithms Envoy's jwt_verify_lib implements. */
export const SUPPORTED_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA']);

export interface ParsedJwt {
  token: string;
  alg: string;
  kid: string;
  /** The payload segment as sent (base64url), for forward_payload_header. */
  payloadSegment: string;
  payload: Record<string, unknown>;
  iss: string;
  sub: string;
  audiences: string[];
  /** 0 when absent, as in jwt_verify_lib. */
  exp: number;
  nbf: number;
}

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function decodeSegment(s: string): Uint8Array | undefined {
  if (!B64URL.test(s)) return undefined;
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  try {
    const bin = atob(bare.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function decodeJsonObject(s: string): Record<string, unknown> | 'base64' | 'json' {
  const bytes = decodeSegment(s);
  if (!bytes) return 'base64';
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : 'json';
  } catch {
    return 'json';
  }
}

const U64_LIMIT = 2 ** 64;

/** Numeric date claims: a JSON number in [0, 2^64), fractions truncated (StructUtils GetUInt64). */
function numericDate(v: unknown, notInteger: JwtStatus, outOfRange: JwtStatus): number | JwtStatus {
  if (v === undefined) return 0;
  if (typeof v !== 'number') return notInteger;
  if (v < 0 || v >= U64_LIMIT) return outOfRange;
  return Math.trunc(v);
}

export function parseJwt(token: string): ParsedJwt | JwtStatus {
  const parts = token.split('.');
  if (parts.length !== 3) return JwtStatus.JwtBadFormat;
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJsonObject(h);
  if (header === 'base64') return JwtStatus.JwtHeaderParseErrorBadBase64;
  if (header === 'json') return JwtStatus.JwtHeaderParseErrorBadJson;
  if (typeof header.alg !== 'string') return JwtStatus.JwtHeaderBadAlg;
  if (!SUPPORTED_ALGS.has(header.alg)) return JwtStatus.JwtHeaderNotImplementedAlg;
  if (header.kid !== undefined && typeof header.kid !== 'string') return JwtStatus.JwtHeaderBadKid;
  const payload = decodeJsonObject(p);
  if (payload === 'base64') return JwtStatus.JwtPayloadParseErrorBadBase64;
  if (payload === 'json') return JwtStatus.JwtPayloadParseErrorBadJson;
  if (payload.iss !== undefined && typeof payload.iss !== 'string') return JwtStatus.JwtPayloadParseErrorIssNotString;
  if (payload.sub !== undefined && typeof payload.sub !== 'string') return JwtStatus.JwtPayloadParseErrorSubNotString;
  const iat = numericDate(payload.iat, JwtStatus.JwtPayloadParseErrorIatNotInteger, JwtStatus.JwtPayloadParseErrorIatOutOfRange);
  if (typeof iat === 'string') return iat;
  const nbf = numericDate(payload.nbf, JwtStatus.JwtPayloadParseErrorNbfNotInteger, JwtStatus.JwtPayloadParseErrorNbfOutOfRange);
  if (typeof nbf === 'string') return nbf;
  const exp = numericDate(payload.exp, JwtStatus.JwtPayloadParseErrorExpNotInteger, JwtStatus.JwtPayloadParseErrorExpOutOfRange);
  if (typeof exp === 'string') return exp;
  if (payload.jti !== undefined && typeof payload.jti !== 'string') return JwtStatus.JwtPayloadParseErrorJtiNotString;
  let audiences: string[] = [];
  if (typeof payload.aud === 'string') audiences = [payload.aud];
  else if (Array.isArray(payload.aud) && payload.aud.every((a) => typeof a === 'string')) audiences = payload.aud as string[];
  else if (payload.aud !== undefined) return JwtStatus.JwtPayloadParseErrorAudNotString;
  if (!decodeSegment(s)) return JwtStatus.JwtSignatureParseErrorBadBase64;
  return {
    token,
    alg: header.alg,
    kid: typeof header.kid === 'string' ? header.kid : '',
    payloadSegment: p,
    payload,
    iss: (payload.iss as string | undefined) ?? '',
    sub: (payload.sub as string | undefined) ?? '',
    audiences,
    exp,
    nbf,
  };
}

/** jwt_verify_lib verifyTimeConstraint: nbf and exp with a clock skew, in whole seconds. */
export function checkTime(jwt: ParsedJwt, nowMs: number, skewSeconds: number): JwtStatus {
  const now = Math.floor(nowMs / 1000);
  if (jwt.nbf && now + skewSeconds < jwt.nbf) return JwtStatus.JwtNotYetValid;
  if (jwt.exp && now > jwt.exp + skewSeconds) return JwtStatus.JwtExpired;
  return JwtStatus.Ok;
}

/** jwt_verify_lib CheckAudience: scheme (http/https) and a trailing slash are ignored; none configured ⇒ any. */
export function audienceChecker(configured: readonly string[] | undefined): (aud: readonly string[]) => boolean {
  const norm = (a: string) => a.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const allowed = new Set((configured ?? []).map(norm));
  if (!allowed.size) return () => true;
  return (aud) => aud.some((a) => allowed.has(norm(a)));
}
