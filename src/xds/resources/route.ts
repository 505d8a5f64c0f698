import { z } from 'zod';
import { DurationString, HeaderValueOption, Metadata, RuntimeFractionalPercent, StringMatcher, TypedConfig } from './common.ts';

// envoy.config.route.v3 — the subset the edge data plane executes. The route table of a gateway
// port is one RouteConfiguration; see
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto

/** envoy.config.route.v3.HeaderMatcher; `:method`, `:scheme`, `:authority`, `:path` are pseudo-headers. */
export const HeaderMatcher = z.strictObject({
  name: z.string(),
  string_match: StringMatcher.optional(),
  present_match: z.boolean().optional(),
  invert_match: z.boolean().optional(),
  treat_missing_header_as_empty: z.boolean().optional(),
});
export type HeaderMatcher = z.infer<typeof HeaderMatcher>;

export const QueryParameterMatcher = z.strictObject({
  name: z.string(),
  string_match: StringMatcher.optional(),
  present_match: z.boolean().optional(),
});
export type QueryParameterMatcher = z.infer<typeof QueryParameterMatcher>;

/** Match on verified JWT claims (Istio's `@request.auth.claims.*` header keys) — dynamic metadata. */
export const MetadataMatcher = z.strictObject({
  filter: z.string(),
  path: z.array(z.strictObject({ key: z.string() })),
  value: z.strictObject({ string_match: StringMatcher.optional(), present_match: z.boolean().optional() }),
  invert: z.boolean().optional(),
});
export type MetadataMatcher = z.infer<typeof MetadataMatcher>;

export const RouteMatch = z.strictObject({
  prefix: z.string().optional(),
  path: z.string().optional(),
  safe_regex: z.strictObject({ regex: z.string() }).optional(),
  case_sensitive: z.boolean().optional(),
  headers: z.array(HeaderMatcher).optional(),
  query_parameters: z.array(QueryParameterMatcher).optional(),
  dynamic_metadata: z.array(MetadataMatcher).optional(),
});
export type RouteMatch = z.infer<typeof RouteMatch>;

export const RetryPolicy = z.strictObject({
  retry_on: z.string(),
  num_retries: z.number().int().min(0),
  per_try_timeout: DurationString.optional(),
  retriable_status_codes: z.array(z.number().int()).optional(),
  retry_host_predicate: z.array(z.strictObject({ name: z.string() })).optional(),
  host_selection_retry_max_attempts: z.string().optional(),
  retry_back_off: z.strictObject({ base_interval: DurationString, max_interval: DurationString.optional() }).optional(),
  retry_priority: z.strictObject({ name: z.string() }).optional(),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const RequestMirrorPolicy = z.strictObject({
  cluster: z.string(),
  runtime_fraction: RuntimeFractionalPercent.optional(),
  trace_sampled: z.boolean().optional(),
  /** meshgate: host suffix for the mirrored request (Istio ≤1.27 `-shadow`); absent = unchanged. */
  'meshgate.host_suffix': z.string().optional(),
});
export type RequestMirrorPolicy = z.infer<typeof RequestMirrorPolicy>;

export const ClusterWeight = z.strictObject({
  name: z.string(),
  weight: z.number().int().min(0),
  request_headers_to_add: z.array(HeaderValueOption).optional(),
  request_headers_to_remove: z.array(z.string()).optional(),
  response_headers_to_add: z.array(HeaderValueOption).optional(),
  response_headers_to_remove: z.array(z.string()).optional(),
  host_rewrite_literal: z.string().optional(),
});
export type ClusterWeight = z.infer<typeof ClusterWeight>;

export const HashPolicy = z.strictObject({
  header: z.strictObject({ header_name: z.string() }).optional(),
  cookie: z.strictObject({ name: z.string(), ttl: DurationString.optional(), path: z.string().optional(), attributes: z.array(z.strictObject({ name: z.string(), value: z.string().optional() })).optional() }).optional(),
  connection_properties: z.strictObject({ source_ip: z.boolean() }).optional(),
  query_parameter: z.strictObject({ name: z.string() }).optional(),
  terminal: z.boolean().optional(),
});
export type HashPolicy = z.infer<typeof HashPolicy>;

export const RouteAction = z.strictObject({
  cluster: z.string().optional(),
  weighted_clusters: z.strictObject({ clusters: z.array(ClusterWeight).min(1), total_weight: z.number().int().optional() }).optional(),
  cluster_not_found_response_code: z.enum(['SERVICE_UNAVAILABLE', 'NOT_FOUND', 'INTERNAL_SERVER_ERROR']).optional(),
  /** `0s` disables the timeout (Istio's default). */
  timeout: DurationString.optional(),
  /** Istio sets it to the route timeout: a gRPC caller's grpc-timeout, capped by it, is the timeout. */
  max_grpc_timeout: DurationString.optional(),
  retry_policy: RetryPolicy.optional(),
  request_mirror_policies: z.array(RequestMirrorPolicy).optional(),
  prefix_rewrite: z.string().optional(),
  regex_rewrite: z.strictObject({ pattern: z.strictObject({ regex: z.string() }), substitution: z.string() }).optional(),
  host_rewrite_literal: z.string().optional(),
  hash_policy: z.array(HashPolicy).optional(),
  max_stream_duration: z.strictObject({ max_stream_duration: DurationString.optional(), grpc_timeout_header_max: DurationString.optional() }).optional(),
});
export type RouteAction = z.infer<typeof RouteAction>;

export const RedirectAction = z.strictObject({
  https_redirect: z.boolean().optional(),
  scheme_redirect: z.string().optional(),
  host_redirect: z.string().optional(),
  port_redirect: z.number().int().optional(),
  path_redirect: z.string().optional(),
  prefix_rewrite: z.string().optional(),
  response_code: z.enum(['MOVED_PERMANENTLY', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT']).optional(),
  strip_query: z.boolean().optional(),
  /** meshgate: Istio derivePort FROM_REQUEST_PORT — keep the port the request arrived on. */
  'meshgate.derive_port_from_request': z.boolean().optional(),
});
export type RedirectAction = z.infer<typeof RedirectAction>;

export const DirectResponseAction = z.strictObject({
  status: z.number().int().min(100).max(599),
  body: z.strictObject({ inline_string: z.string().optional(), inline_bytes: z.string().optional() }).optional(),
});
export type DirectResponseAction = z.infer<typeof DirectResponseAction>;

export const Route = z.strictObject({
  name: z.string().optional(),
  match: RouteMatch,
  route: RouteAction.optional(),
  redirect: RedirectAction.optional(),
  direct_response: DirectResponseAction.optional(),
  decorator: z.strictObject({ operation: z.string() }).optional(),
  metadata: Metadata.optional(),
  request_headers_to_add: z.array(HeaderValueOption).optional(),
  request_headers_to_remove: z.array(z.string()).optional(),
  response_headers_to_add: z.array(HeaderValueOption).optional(),
  response_headers_to_remove: z.array(z.string()).optional(),
  typed_per_filter_config: z.record(z.string(), TypedConfig).optional(),
});
export type Route = z.infer<typeof Route>;

export const VirtualHost = z.strictObject({
  name: z.string(),
  domains: z.array(z.string()).min(1),
  routes: z.array(Route),
  include_request_attempt_count: z.boolean().optional(),
  /** Gateway `tls.httpsRedirect`: ALL ⇒ 301 every plain-HTTP request to https. */
  require_tls: z.enum(['NONE', 'EXTERNAL_ONLY', 'ALL']).optional(),
  typed_per_filter_config: z.record(z.string(), TypedConfig).optional(),
});
export type VirtualHost = z.infer<typeof VirtualHost>;

export const RouteConfiguration = z.strictObject({
  name: z.string(),
  virtual_hosts: z.array(VirtualHost),
  validate_clusters: z.boolean().optional(),
  ignore_port_in_host_matching: z.boolean().optional(),
  max_direct_response_body_size_bytes: z.number().int().optional(),
});
export type RouteConfiguration = z.infer<typeof RouteConfiguration>;
