import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';
import { HEADER_NAME } from '../../syntax/common.ts';

/** Istio checks only non-empty; the Workers runtime takes RFC 9110 tokens only, so meshgate refuses others at apply. */
const tokenIssue = (v: string) => (HEADER_NAME.test(v) ? undefined : `invalid header name "${v}": a header name is an RFC 9110 token`);

// JWTRule (istio/api security/v1beta1/request_authentication.proto), validated as istio/istio
// pkg/config/validation/validation.go validateJwtRule does.
// https://istio.io/latest/docs/reference/config/security/request_authentication/#JWTRule

/** A header carrying the token; its value must start with `prefix` (e.g. `"Bearer "`) when set. */
export const jwtHeader = z.strictObject({
  name: z.string().superRefine((v, ctx) => {
    if (v === '') ctx.addIssue({ code: 'custom', message: 'location header name must be non-empty string' });
    else if (tokenIssue(v)) ctx.addIssue({ code: 'custom', message: tokenIssue(v)! });
  }),
  prefix: z.string().optional(),
});
export type JWTHeader = z.infer<typeof jwtHeader>;

const STRICT_HEADER = /^[-_A-Za-z0-9]+$/;

/** Copies a (string, number or bool; nested `a.b`) claim into a request header, overwriting it. */
export const claimToHeader = z
  .strictObject({ header: z.string(), claim: z.string() })
  .superRefine((c, ctx) => {
    if (c.header === '' || c.claim === '') {
      ctx.addIssue({ code: 'custom', path: [c.header === '' ? 'header' : 'claim'], message: 'outputClaimToHeaders header and claim value must be non-empty string' });
    } else if (!STRICT_HEADER.test(c.header)) {
      ctx.addIssue({ code: 'custom', path: ['header'], message: `invalid header name "${c.header}": must match ^[-_A-Za-z0-9]+$` });
    }
  });
export type ClaimToHeader = z.infer<typeof claimToHeader>;

/** Why a jwksUri is unusable (Istio accepts only http and https), or undefined. */
export function jwksUriError(uri: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1] ?? '';
  if (scheme !== 'http' && scheme !== 'https') return `URI scheme "${scheme}" is not supported`;
  try {
    if (!new URL(uri).hostname) return 'the URI has no host';
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** An inline JWKS: a JSON object with a `keys` array of JWK objects (each with `kty`). */
export function parseJwks(text: string): { keys: Record<string, unknown>[] } | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a JWKS must be a JSON object with a "keys" array';
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return 'a JWKS must be a JSON object with a "keys" array';
  for (const [i, k] of keys.entries()) {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) return `keys[${i}] is not a JSON object`;
    if (typeof (k as { kty?: unknown }).kty !== 'string') return `keys[${i}] has no "kty"`;
  }
  return { keys: keys as Record<string, unknown>[] };
}

/** JWK members that are secret (RFC 7518 §6): an inline JWKS should carry public keys only. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

export const jwtRule = z
  .strictObject({
    /** Must equal the token's `iss`. */
    issuer: z.string().optional(),
    /** Token `aud` must contain one of these; empty ⇒ audience not checked. */
    audiences: z.array(z.string()).optional(),
    /** JWKS URL (http/https); omitted ⇒ OpenID discovery from the issuer. Ignored when `jwks` is set. */
    jwksUri: z.string().optional(),
    /** Inline JWKS JSON. */
    jwks: z.string().optional(),
    /** Token locations; none of fromHeaders/fromParams/fromCookies ⇒ `Authorization: Bearer` then `?access_token=`. */
    fromHeaders: z.array(jwtHeader).optional(),
    fromParams: z.array(z.string()).optional(),
    fromCookies: z.array(z.string()).optional(),
    /** Header to receive the verified payload (base64url JSON). */
    outputPayloadToHeader: z
      .string()
      .superRefine((v, ctx) => {
        if (v !== '' && tokenIssue(v)) ctx.addIssue({ code: 'custom', message: tokenIssue(v)! });
      })
      .optional(),
    /** Default false: the token is removed before the request goes upstream. */
    forwardOriginalToken: z.boolean().optional(),
    outputClaimToHeaders: z.array(claimToHeader).optional(),
    /** JWKS fetch timeout, default 5s. */
    timeout: duration().optional(),
    /** Claims split on whitespace for authorization matching (`scope` and `permission` always are). */
    spaceDelimitedClaims: z.array(z.string()).optional(),
  })
  .superRefine((r, ctx) => {
    for (const [i, a] of (r.audiences ?? []).entries()) {
      if (a === '') ctx.addIssue({ code: 'custom', path: ['audiences', i], message: 'audience must be non-empty string' });
    }
    if (!r.issuer && !r.jwksUri) ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'issuer or jwksUri must be non-empty string' });
    if (r.jwksUri) {
      const err = jwksUriError(r.jwksUri);
      if (err) ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: `invalid jwksUri "${r.jwksUri}": ${err}` });
    }
    if (r.jwks !== undefined && r.jwks !== '') {
      const parsed = parseJwks(r.jwks);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: ['jwks'], message: `jwks parse error: ${parsed}` });
    }
    for (const [i, p] of (r.fromParams ?? []).entries()) {
      if (p === '') ctx.addIssue({ code: 'custom', path: ['fromParams', i], message: 'location query must be non-empty string' });
    }
    for (const [i, c] of (r.fromCookies ?? []).entries()) {
      if (c === '') ctx.addIssue({ code: 'custom', path: ['fromCookies', i], message: 'cookie name must be non-empty string' });
    }
  });
export type JWTRule = z.infer<typeof jwtRule>;
