import { z } from 'zod';
import { DurationString, StringMatcher } from '../resources/common.ts';
import { MetadataMatcher } from './rbac.ts';

// Typed config of the external authorization filter (envoy.filters.http.ext_authz) with an HTTP
// authorization service, as Istio builds it from a MeshConfig `envoyExtAuthzHttp` provider for
// CUSTOM AuthorizationPolicies (pilot/pkg/security/authz/builder/extauthz.go).
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/ext_authz/v3/ext_authz.proto
//
// The check request has the original method and `path_prefix + original path (+ query)`, the
// allowed request headers and `headers_to_add`; a 2xx answer allows (allowed upstream headers
// copied onto the request), anything else is sent to the client with its status and body; a
// network error or timeout answers `status_on_error` unless `failure_mode_allow`.

export const EXT_AUTHZ_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';

/** envoy.type.matcher.v3.ListStringMatcher */
export const ListStringMatcher = z.strictObject({ patterns: z.array(StringMatcher) });

export const ExtAuthzFilterConfig = z.strictObject({
  '@type': z.literal(EXT_AUTHZ_TYPE),
  http_service: z.strictObject({
    server_uri: z.strictObject({
      /** `http://<service>:<port>` (Istio's form). */
      uri: z.string(),
      /** Istio's cluster name for the provider service (`outbound|PORT||HOST`), informational here. */
      cluster: z.string().optional(),
      timeout: DurationString,
      /** meshgate: reach the service through this service binding of the gateway worker (`worker:BINDING` endpoint). */
      'meshgate.binding': z.string().optional(),
    }),
    path_prefix: z.string().optional(),
    authorization_request: z.strictObject({
      /** Request headers sent along (besides `:method`, `:path`, Host, Authorization, which always are). */
      allowed_headers: ListStringMatcher.optional(),
      /** Extra headers with fixed values (Istio includeAdditionalHeadersInCheck). */
      headers_to_add: z.array(z.strictObject({ key: z.string(), value: z.string() })).optional(),
    }).optional(),
    authorization_response: z.strictObject({
      /** On allow: authorizer response headers copied onto the upstream request. */
      allowed_upstream_headers: ListStringMatcher.optional(),
      /** On deny: authorizer response headers sent to the client (absent ⇒ all of them). */
      allowed_client_headers: ListStringMatcher.optional(),
      /** On allow: authorizer headers for the client response (not applied by meshgate: filters have no response half). */
      allowed_client_headers_on_success: ListStringMatcher.optional(),
    }).optional(),
  }),
  transport_api_version: z.literal('V3').optional(),
  /** Allow the request when the authorizer cannot be reached (Istio failOpen). */
  failure_mode_allow: z.boolean().optional(),
  /** Status when the authorizer cannot be reached (default 403). */
  status_on_error: z.strictObject({ code: z.number().int().min(100).max(599) }).optional(),
  /** Buffer the request body and send it in the check request (Istio includeRequestBodyInCheck). */
  with_request_body: z.strictObject({
    max_request_bytes: z.number().int().min(0),
    allow_partial_message: z.boolean().optional(),
    pack_as_bytes: z.boolean().optional(),
  }).optional(),
  /** The filter runs only when this matches (Istio: the CUSTOM shadow RBAC matched a policy). */
  filter_enabled_metadata: MetadataMatcher.optional(),
  include_peer_certificate: z.boolean().optional(),
});
export type ExtAuthzFilterConfig = z.infer<typeof ExtAuthzFilterConfig>;
