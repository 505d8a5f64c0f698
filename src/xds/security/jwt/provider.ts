import { parseDuration } from '../../../config/syntax/duration.ts';
import { parseJwks, PRIVATE_JWK_MEMBERS, type JWTRule } from '../../../config/kinds/security/request-authentication.ts';
import type { JwtProvider } from '../../filters/jwt-authn.ts';
import { msToDuration } from '../../resources/common.ts';

// One Istio JWTRule → one Envoy JwtProvider (policy_applier.go convertToEnvoyJwtConfig):
// locations, forwarding, payload/claim headers, the payload in metadata under `payload` with
// `permission`, `scope` and the rule's spaceDelimitedClaims split on spaces, the route cache
// cleared (a gateway: claims may select the route), and the JWKS — inline, or remote with
// Istio's 5-minute cache and the rule's fetch timeout (default 5s).

const DEFAULT_JWKS_TIMEOUT_MS = 5000;
/** Istio filters.EnvoyJwtFilterPayload. */
export const JWT_PAYLOAD_METADATA_KEY = 'payload';
/** Istio buildSpaceDelimitedClaims: always split, whatever the rule lists. */
const DEFAULT_SPACE_DELIMITED = ['permission', 'scope'];
/** Istio: CacheDuration 5 * 60 seconds. */
export const JWKS_CACHE_DURATION = '300s';

/**
 * An inline JWKS as Istio passes it, except that private key members (RSA/EC `d`, …, and the
 * symmetric `k`) are dropped: snapshots and config_dump never carry secrets (docs/security.md).
 */
function publicJwks(text: string): string {
  const parsed = parseJwks(text);
  if (typeof parsed === 'string') return text; // validation rejects it; the data plane reports no valid keys
  const secret = (k: Record<string, unknown>) => PRIVATE_JWK_MEMBERS.some((m) => m in k);
  if (!parsed.keys.some(secret)) return text;
  const keys = parsed.keys.map((k) => Object.fromEntries(Object.entries(k).filter(([m]) => !(PRIVATE_JWK_MEMBERS as readonly string[]).includes(m))));
  return JSON.stringify({ keys });
}

/** Where an issuer publishes its OpenID Connect discovery document, when it is an http(s) URL. */
function discoveryUri(issuer: string | undefined): string | undefined {
  if (!issuer || !/^https?:\/\//.test(issuer)) return undefined;
  try {
    new URL(issuer);
  } catch {
    return undefined;
  }
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

function jwksSource(rule: JWTRule): Pick<JwtProvider, 'remote_jwks' | 'local_jwks'> {
  // Istio: jwks wins over jwksUri (the validator warns that jwksUri is then ignored).
  if (rule.jwks) return { local_jwks: { inline_string: publicJwks(rule.jwks) } };
  const timeout = msToDuration((rule.timeout !== undefined ? parseDuration(rule.timeout) : undefined) ?? DEFAULT_JWKS_TIMEOUT_MS);
  if (rule.jwksUri) return { remote_jwks: { http_uri: { uri: rule.jwksUri, timeout }, cache_duration: JWKS_CACHE_DURATION } };
  const discovery = discoveryUri(rule.issuer);
  if (discovery) return { remote_jwks: { http_uri: { uri: discovery, timeout }, cache_duration: JWKS_CACHE_DURATION, 'meshgate.openid_discovery': true } };
  // Nothing to fetch keys from: every token of this issuer fails, as with Istio's placeholder JWKS.
  return { local_jwks: { inline_string: '{"keys":[]}' } };
}

export function toJwtProvider(rule: JWTRule): JwtProvider {
  return {
    ...(rule.issuer ? { issuer: rule.issuer } : {}),
    ...(rule.audiences?.length ? { audiences: [...rule.audiences] } : {}),
    ...jwksSource(rule),
    ...(rule.forwardOriginalToken ? { forward: true } : {}),
    ...(rule.fromHeaders?.length ? { from_headers: rule.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix ? { value_prefix: h.prefix } : {}) })) } : {}),
    ...(rule.fromParams?.length ? { from_params: [...rule.fromParams] } : {}),
    ...(rule.fromCookies?.length ? { from_cookies: [...rule.fromCookies] } : {}),
    ...(rule.outputPayloadToHeader ? { forward_payload_header: rule.outputPayloadToHeader } : {}),
    payload_in_metadata: JWT_PAYLOAD_METADATA_KEY,
    normalize_payload_in_metadata: { space_delimited_claims: [...new Set([...(rule.spaceDelimitedClaims ?? []), ...DEFAULT_SPACE_DELIMITED])].sort() },
    ...(rule.outputClaimToHeaders?.length ? { claim_to_headers: rule.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim })) } : {}),
    clear_route_cache: true,
  };
}
