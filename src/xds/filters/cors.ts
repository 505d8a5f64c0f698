import { z } from 'zod';
import { RuntimeFractionalPercent, StringMatcher } from '../resources/common.ts';

// Per-route payload of the CORS filter (typed_per_filter_config["envoy.filters.http.cors"]),
// the fields Istio fills (route.go TranslateCORSPolicy). Lists are comma-joined strings as in
// Envoy; an allowed origin is echoed back, never `*`.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/cors/v3/cors.proto

export const CORS_POLICY_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

export const CorsPolicy = z.strictObject({
  '@type': z.literal(CORS_POLICY_TYPE),
  /** An Origin is allowed when any matcher matches it. */
  allow_origin_string_match: z.array(StringMatcher).optional(),
  /** `Access-Control-Allow-Methods`; `*` echoes `Access-Control-Request-Method`. */
  allow_methods: z.string().optional(),
  /** `Access-Control-Allow-Headers`; `*` echoes `Access-Control-Request-Headers`. */
  allow_headers: z.string().optional(),
  /** `Access-Control-Expose-Headers` (actual responses only). */
  expose_headers: z.string().optional(),
  /** `Access-Control-Max-Age`, whole seconds. */
  max_age: z.string().regex(/^\d+$/).optional(),
  /** true ⇒ `Access-Control-Allow-Credentials: true`; false/absent ⇒ header omitted. */
  allow_credentials: z.boolean().optional(),
  /** Preflight from a non-matching origin: true ⇒ forwarded upstream, false ⇒ answered locally. */
  forward_not_matching_preflights: z.boolean().optional(),
  /** Istio always enables the policy at 100%. */
  filter_enabled: RuntimeFractionalPercent.optional(),
});
export type CorsPolicy = z.infer<typeof CorsPolicy>;
