import type { ParsedJwt } from './token.ts';
import type { Verified } from './verifier.ts';

// What a verified token leaves behind: claim headers (envoy authenticator.cc addJWTClaimToHeader)
// and the `istio_authn` dynamic metadata that route matchers and authorization read
// (Istio: request.auth.principal / audiences / presenter / claims).

/** A claim by name, nested with `.` (`a.b.c`), as Envoy's StructUtils walks it. */
export function claimValue(payload: Record<string, unknown>, name: string): unknown {
  let v: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Whole non-negative numbers print as integers, others as C++ std::to_string does (6 decimals). */
function numberText(n: number): string {
  if (n >= 0 && n < 2 ** 64 && Number.isInteger(n)) return BigInt(n).toString();
  return n.toFixed(6);
}

/** The header value of a string, number or boolean claim; undefined (header stays removed) otherwise. */
export function claimHeaderValue(payload: Record<string, unknown>, name: string): string | undefined {
  const v = claimValue(payload, name);
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? numberText(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

export const ISTIO_AUTHN = 'istio_authn';
/**
 * `{verified}`: the tokens the route's destination RequestAuthentication verified. A destination's
 * authorization stage judges those of its own issuers in place of the gateway's identity, as its
 * sidecar would verify them itself.
 */
export const DESTINATION_AUTHN = 'meshgate.destination_authn';
const JWT_AUTHN_METADATA = 'envoy.filters.http.jwt_authn';

/**
 * The dynamic metadata verified tokens leave. Each payload overwrites the one before under its
 * `payload_in_metadata` key, as in Envoy, which verifies a provider's tokens last location first:
 * the last one (a header token before a query or cookie one) gives `istio_authn` too.
 */
export function identityMetadata(verified: readonly Verified[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const payloads: Record<string, unknown> = {};
  const normalized = (v: Verified) => normalizedPayload(v.jwt.payload, v.provider.config.normalize_payload_in_metadata?.space_delimited_claims);
  for (const v of verified) {
    const key = v.provider.config.payload_in_metadata;
    if (key) payloads[key] = normalized(v);
  }
  if (Object.keys(payloads).length) out[JWT_AUTHN_METADATA] = payloads;
  const last = verified[verified.length - 1];
  if (last) out[ISTIO_AUTHN] = istioAuthnMetadata(last.jwt, normalized(last));
  return out;
}

/**
 * The payload as the metadata carries it: each listed top-level claim that is a string becomes
 * the list of its space-separated parts (Envoy normalize_payload_in_metadata). The token's own
 * payload is not changed.
 */
export function normalizedPayload(payload: Record<string, unknown>, spaceDelimited: readonly string[] | undefined): Record<string, unknown> {
  if (!spaceDelimited?.length) return payload;
  let out = payload;
  for (const c of spaceDelimited) {
    const v = payload[c];
    if (typeof v !== 'string') continue;
    if (out === payload) out = { ...payload };
    out[c] = v.split(' ').filter((s) => s !== '');
  }
  return out;
}

/** `istio_authn` for the verified token: principal `iss/sub` only when there is a `sub` (istio/istio#59541). */
export function istioAuthnMetadata(jwt: ParsedJwt, payload: Record<string, unknown> = jwt.payload): Record<string, unknown> {
  const azp = jwt.payload.azp;
  return {
    ...(jwt.sub ? { 'request.auth.principal': `${jwt.iss}/${jwt.sub}` } : {}),
    ...(jwt.audiences.length ? { 'request.auth.audiences': [...jwt.audiences] } : {}),
    ...(typeof azp === 'string' && azp ? { 'request.auth.presenter': azp } : {}),
    'request.auth.claims': payload,
  };
}
