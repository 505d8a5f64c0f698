import { z } from 'zod';
import { StringMatcher } from '../resources/common.ts';
import { HeaderMatcher } from '../resources/route.ts';

// Typed config of the RBAC filter (envoy.filters.http.rbac), in Envoy's own shape: the subset of
// Permission / Principal matchers Istio generates for AuthorizationPolicy
// (pilot/pkg/security/authz/model/generator.go), with Envoy's field names.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/rbac/v3/rbac.proto
//
// Evaluation (Envoy): a policy matches when ANY of its permissions AND ANY of its principals match;
// action ALLOW lets a request through iff some policy matches, DENY refuses it iff some policy
// matches, LOG never refuses (Istio AUDIT). `rules` absent ⇒ the filter enforces nothing;
// `shadow_rules` are evaluated for their result only (Istio uses them to switch ext_authz on for
// CUSTOM policies).

export const RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
export const URI_TEMPLATE_TYPE = 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig';
/** Dynamic metadata namespace the filter writes (shadow result, audit hint), as Envoy's. */
export const RBAC_METADATA_NAMESPACE = 'envoy.filters.http.rbac';

/** envoy.config.core.v3.CidrRange */
export const CidrRange = z.strictObject({ address_prefix: z.string(), prefix_len: z.number().int().min(0).max(128).optional() });
export type CidrRange = z.infer<typeof CidrRange>;

/** envoy.type.matcher.v3.PathMatcher: the path without query string. */
export const PathMatcher = z.strictObject({ path: StringMatcher });

/** envoy.type.matcher.v3.ValueMatcher (string, presence, bool, list-of). */
export const ValueMatcher = z.strictObject({
  string_match: StringMatcher.optional(),
  present_match: z.boolean().optional(),
  bool_match: z.boolean().optional(),
  /** Matches a list value when one element matches `one_of`. */
  get list_match(): z.ZodOptional<z.ZodObject<{ one_of: typeof ValueMatcher }, z.core.$strict>> {
    return z.strictObject({ one_of: ValueMatcher }).optional();
  },
});
export type ValueMatcher = z.infer<typeof ValueMatcher>;

/** envoy.type.matcher.v3.MetadataMatcher: a value in dynamic metadata `filter`, at key path `path`. */
export const MetadataMatcher = z.strictObject({
  filter: z.string(),
  path: z.array(z.strictObject({ key: z.string() })).min(1),
  value: ValueMatcher,
  invert: z.boolean().optional(),
});
export type MetadataMatcher = z.infer<typeof MetadataMatcher>;

/** envoy.path.match.uri_template: `{*}` one segment, `{**}` any number of segments. */
export const UriTemplateMatcher = z.strictObject({
  name: z.literal('envoy.path.match.uri_template.uri_template_matcher'),
  typed_config: z.strictObject({ '@type': z.literal(URI_TEMPLATE_TYPE), path_template: z.string() }),
});

/** envoy.config.rbac.v3.Permission: what is being asked for. Exactly one field is set. */
export const Permission = z.strictObject({
  get and_rules(): z.ZodOptional<z.ZodObject<{ rules: z.ZodArray<typeof Permission> }, z.core.$strict>> {
    return z.strictObject({ rules: z.array(Permission) }).optional();
  },
  get or_rules(): z.ZodOptional<z.ZodObject<{ rules: z.ZodArray<typeof Permission> }, z.core.$strict>> {
    return z.strictObject({ rules: z.array(Permission) }).optional();
  },
  get not_rule(): z.ZodOptional<typeof Permission> {
    return Permission.optional();
  },
  any: z.literal(true).optional(),
  header: HeaderMatcher.optional(),
  url_path: PathMatcher.optional(),
  uri_template: UriTemplateMatcher.optional(),
  destination_ip: CidrRange.optional(),
  destination_port: z.number().int().min(0).max(65535).optional(),
  metadata: MetadataMatcher.optional(),
  requested_server_name: StringMatcher.optional(),
});
export type Permission = z.infer<typeof Permission>;

/** envoy.config.rbac.v3.Principal: who is asking. Exactly one field is set. */
export const Principal = z.strictObject({
  get and_ids(): z.ZodOptional<z.ZodObject<{ ids: z.ZodArray<typeof Principal> }, z.core.$strict>> {
    return z.strictObject({ ids: z.array(Principal) }).optional();
  },
  get or_ids(): z.ZodOptional<z.ZodObject<{ ids: z.ZodArray<typeof Principal> }, z.core.$strict>> {
    return z.strictObject({ ids: z.array(Principal) }).optional();
  },
  get not_id(): z.ZodOptional<typeof Principal> {
    return Principal.optional();
  },
  any: z.literal(true).optional(),
  /** The peer's verified certificate URI SAN (`spiffe://…`); no peer ⇒ no match. */
  authenticated: z.strictObject({ principal_name: StringMatcher.optional() }).optional(),
  /** The address of the downstream connection (Istio `source.ip` / `ipBlocks`). */
  direct_remote_ip: CidrRange.optional(),
  /** The original client address (Istio `remote.ip` / `remoteIpBlocks`). */
  remote_ip: CidrRange.optional(),
  header: HeaderMatcher.optional(),
  url_path: PathMatcher.optional(),
  metadata: MetadataMatcher.optional(),
});
export type Principal = z.infer<typeof Principal>;

export const Policy = z.strictObject({ permissions: z.array(Permission), principals: z.array(Principal) });
export type Policy = z.infer<typeof Policy>;

/** envoy.config.rbac.v3.RBAC: LOG is Istio's AUDIT. */
export const Rules = z.strictObject({
  action: z.enum(['ALLOW', 'DENY', 'LOG']),
  policies: z.record(z.string(), Policy).default({}),
});
export type Rules = z.infer<typeof Rules>;

export const RbacFilterConfig = z.strictObject({
  '@type': z.literal(RBAC_TYPE),
  /** Enforced rules; absent ⇒ the filter only evaluates `shadow_rules`. */
  rules: Rules.optional(),
  /** Evaluated, never enforced; the result goes to dynamic metadata under `shadow_rules_stat_prefix`. */
  shadow_rules: Rules.optional(),
  shadow_rules_stat_prefix: z.string().optional(),
});
export type RbacFilterConfig = z.infer<typeof RbacFilterConfig>;

// Destination-scoped authorization (meshgate; docs/security.md "Where a policy applies"): the
// policies a sidecar at the destination would enforce, carried per route as a small filter chain
// (ext_authz / rbac configs in the shapes above) for each service the route can send to. A
// listener filter of this name runs them for the matched route after the gateway's own
// authorization. Kept apart from `envoy.filters.http.rbac` because Envoy's RBACPerRoute replaces
// the listener's rules, while a destination's policies add to the gateway's.

export const DESTINATION_AUTHZ_FILTER = 'meshgate.filters.http.destination_authz';
export const DESTINATION_AUTHZ_TYPE = 'type.googleapis.com/meshgate.filters.http.destination_authz.v1.DestinationAuthz';
export const DESTINATION_AUTHZ_PER_ROUTE_TYPE = 'type.googleapis.com/meshgate.filters.http.destination_authz.v1.DestinationAuthzPerRoute';

/** The listener-level half: no settings, it runs what the matched route carries. */
export const DestinationAuthzFilterConfig = z.strictObject({ '@type': z.literal(DESTINATION_AUTHZ_TYPE) });

const DestinationStage = z.strictObject({
  /** The service (and the endpoint labels, when they select different policies). */
  name: z.string(),
  /** The port the destination receives the request on: its `destination.port` (policy `ports`). */
  port: z.number().int().min(1).max(65535).optional(),
  /**
   * The listener jwt_authn providers of the RequestAuthentications the destination's sidecar would
   * run (its own and the mesh-wide ones): only tokens these verified are the identity it judges.
   */
  jwt_providers: z.array(z.string()).optional(),
  http_filters: z.array(z.strictObject({ name: z.string(), typed_config: z.looseObject({ '@type': z.string() }) })),
});

export const DestinationAuthzPerRoute = z.strictObject({
  '@type': z.literal(DESTINATION_AUTHZ_PER_ROUTE_TYPE),
  /** Every stage must let the request through (a weighted route may reach any of them). */
  destinations: z.array(DestinationStage),
  /** A mirror cluster's stages: when one denies, that mirror is not sent (the primary goes on). */
  mirrors: z.array(z.strictObject({ cluster: z.string(), destinations: z.array(DestinationStage) })).optional(),
});
export type DestinationAuthzPerRoute = z.infer<typeof DestinationAuthzPerRoute>;
