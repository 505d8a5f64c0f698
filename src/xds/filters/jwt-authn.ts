import { z } from 'zod';
import { DurationString } from '../resources/common.ts';

// typed_config of envoy.filters.http.jwt_authn (JwtAuthentication) and its per-route config
// (PerRouteConfig), with the fields Istio fills (pilot/pkg/security/authn/policy_applier.go
// convertToEnvoyJwtConfig) and the edge data plane executes.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/jwt_authn/v3/config.proto

export const JWT_AUTHN_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
export const JWT_AUTHN_PER_ROUTE_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';

/** A header carrying the token; with `value_prefix` the token follows the prefix (e.g. `Bearer `). */
export const JwtHeader = z.strictObject({ name: z.string().min(1), value_prefix: z.string().optional() });
export type JwtHeader = z.infer<typeof JwtHeader>;

/** Copies a verified claim (nested with `.`) into a request header. */
export const JwtClaimToHeader = z.strictObject({
  header_name: z.string().regex(/^[-_A-Za-z0-9]+$/),
  claim_name: z.string().min(1),
});
export type JwtClaimToHeader = z.infer<typeof JwtClaimToHeader>;

export const RemoteJwks = z.strictObject({
  /** Fetched with the worker's `fetch` (no Envoy cluster: the edge reaches any URL directly). */
  http_uri: z.strictObject({
    uri: z.url({ protocol: /^https?$/ }),
    cluster: z.string().optional(),
    timeout: DurationString,
  }),
  /** How long a fetched JWKS is used before it is fetched again (Istio: 5 minutes). */
  cache_duration: DurationString.optional(),
  /**
   * meshgate: `uri` is an OpenID Connect discovery document whose `jwks_uri` names the JWKS
   * (a rule with an issuer but neither jwks nor jwksUri; istiod resolves it the same way).
   */
  'meshgate.openid_discovery': z.boolean().optional(),
});
export type RemoteJwks = z.infer<typeof RemoteJwks>;

export const JwtProvider = z
  .strictObject({
    /** The token's `iss` must equal it; empty ⇒ any issuer. */
    issuer: z.string().optional(),
    /** The token's `aud` must contain one of them; empty ⇒ not checked. */
    audiences: z.array(z.string()).optional(),
    remote_jwks: RemoteJwks.optional(),
    local_jwks: z.strictObject({ inline_string: z.string() }).optional(),
    /** true ⇒ the token is forwarded upstream; false/absent ⇒ removed from its header or parameter. */
    forward: z.boolean().optional(),
    from_headers: z.array(JwtHeader).optional(),
    from_params: z.array(z.string().min(1)).optional(),
    from_cookies: z.array(z.string().min(1)).optional(),
    /** Header set to the payload segment of a verified token (base64url). */
    forward_payload_header: z.string().optional(),
    pad_forward_payload_header: z.boolean().optional(),
    /** Key of the verified payload in the filter's dynamic metadata (Istio: `payload`). */
    payload_in_metadata: z.string().optional(),
    /** Top-level string claims split on spaces into lists in the metadata (Istio spaceDelimitedClaims). */
    normalize_payload_in_metadata: z.strictObject({ space_delimited_claims: z.array(z.string()).optional() }).optional(),
    claim_to_headers: z.array(JwtClaimToHeader).optional(),
    /**
     * Routes are matched again once the filter has run (claims may select another route). The
     * gateway always matches again after its listener filters; Istio sets it on gateways.
     */
    clear_route_cache: z.boolean().optional(),
    /** Envoy's default is 60 seconds. */
    clock_skew_seconds: z.number().int().min(0).optional(),
  })
  .superRefine((p, ctx) => {
    if (!!p.remote_jwks === !!p.local_jwks) ctx.addIssue({ code: 'custom', message: 'exactly one of remote_jwks and local_jwks must be set' });
  });
export type JwtProvider = z.infer<typeof JwtProvider>;

/** envoy JwtRequirement: a oneof; none set means "allow all". */
export interface JwtRequirement {
  provider_name?: string | undefined;
  provider_and_audiences?: { provider_name: string; audiences: string[] } | undefined;
  requires_any?: { requirements: JwtRequirement[] } | undefined;
  requires_all?: { requirements: JwtRequirement[] } | undefined;
  allow_missing_or_failed?: Record<string, never> | undefined;
  allow_missing?: Record<string, never> | undefined;
}

const Empty = z.strictObject({});
export const JwtRequirement: z.ZodType<JwtRequirement> = z.lazy(() =>
  z
    .strictObject({
      provider_name: z.string().optional(),
      provider_and_audiences: z.strictObject({ provider_name: z.string(), audiences: z.array(z.string()) }).optional(),
      requires_any: z.strictObject({ requirements: z.array(JwtRequirement).min(2) }).optional(),
      requires_all: z.strictObject({ requirements: z.array(JwtRequirement).min(2) }).optional(),
      allow_missing_or_failed: Empty.optional(),
      allow_missing: Empty.optional(),
    })
    .superRefine((r, ctx) => {
      if (Object.values(r).filter((v) => v !== undefined).length > 1) ctx.addIssue({ code: 'custom', message: 'a JwtRequirement sets at most one requirement type' });
    }),
);

export const RequirementRule = z
  .strictObject({
    /** The subset of RouteMatch Istio emits (`prefix: /`) plus exact paths. */
    match: z.strictObject({ prefix: z.string().optional(), path: z.string().optional() }),
    requires: JwtRequirement.optional(),
    requirement_name: z.string().optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.match.prefix === undefined) === (r.match.path === undefined)) ctx.addIssue({ code: 'custom', path: ['match'], message: 'match needs exactly one of prefix and path' });
    if (r.requires && r.requirement_name !== undefined) ctx.addIssue({ code: 'custom', message: 'only one of requires and requirement_name' });
  });
export type RequirementRule = z.infer<typeof RequirementRule>;

function providerNames(r: JwtRequirement, out: string[] = []): string[] {
  if (r.provider_name !== undefined) out.push(r.provider_name);
  if (r.provider_and_audiences) out.push(r.provider_and_audiences.provider_name);
  for (const c of [...(r.requires_any?.requirements ?? []), ...(r.requires_all?.requirements ?? [])]) providerNames(c, out);
  return out;
}

export const JwtAuthentication = z
  .strictObject({
    '@type': z.literal(JWT_AUTHN_TYPE),
    providers: z.record(z.string(), JwtProvider),
    /** First rule whose match fits the path decides the requirement (routes without per-route config). */
    rules: z.array(RequirementRule).optional(),
    /** Named requirements for PerRouteConfig.requirement_name. */
    requirement_map: z.record(z.string(), JwtRequirement).optional(),
    /** CORS preflights (OPTIONS with Origin and Access-Control-Request-Method) are not verified. */
    bypass_cors_preflight: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    const reqs: [PropertyKey[], JwtRequirement][] = [
      ...(c.rules ?? []).flatMap((r, i): [PropertyKey[], JwtRequirement][] => (r.requires ? [[['rules', i, 'requires'], r.requires]] : [])),
      ...Object.entries(c.requirement_map ?? {}).map(([k, r]): [PropertyKey[], JwtRequirement] => [['requirement_map', k], r]),
    ];
    for (const [path, r] of reqs) {
      for (const name of providerNames(r)) {
        if (!Object.hasOwn(c.providers, name)) ctx.addIssue({ code: 'custom', path, message: `Required provider ['${name}'] is not configured.` });
      }
    }
    for (const [i, r] of (c.rules ?? []).entries()) {
      if (r.requirement_name !== undefined && !Object.hasOwn(c.requirement_map ?? {}, r.requirement_name)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'requirement_name'], message: `requirement_name ${r.requirement_name} is not in requirement_map` });
      }
    }
  });
export type JwtAuthentication = z.infer<typeof JwtAuthentication>;

/** Per-route: skip verification, or use a named requirement of the listener's filter. */
export const JwtPerRouteConfig = z
  .strictObject({
    '@type': z.literal(JWT_AUTHN_PER_ROUTE_TYPE),
    disabled: z.boolean().optional(),
    requirement_name: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.disabled === undefined) === (c.requirement_name === undefined)) ctx.addIssue({ code: 'custom', message: 'exactly one of disabled and requirement_name must be set' });
  });
export type JwtPerRouteConfig = z.infer<typeof JwtPerRouteConfig>;
