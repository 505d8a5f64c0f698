import { z } from 'zod';
import { Address, TypedConfig } from './common.ts';

// envoy.config.listener.v3.Listener with one HttpConnectionManager per filter chain. The HTTP
// filters (jwt_authn, ext_authz, rbac, cors, fault, local_ratelimit, router) carry their config as
// typed configs; their shapes live in ../filters.

export const HttpFilter = z.strictObject({ name: z.string(), typed_config: TypedConfig.optional() });
export type HttpFilter = z.infer<typeof HttpFilter>;

export const HttpConnectionManager = z.strictObject({
  '@type': z.literal('type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
  stat_prefix: z.string(),
  rds: z.strictObject({ route_config_name: z.string(), config_source: z.strictObject({ ads: z.strictObject({}) }).optional() }),
  http_filters: z.array(HttpFilter),
  normalize_path: z.boolean().optional(),
  merge_slashes: z.boolean().optional(),
  path_with_escaped_slashes_action: z.enum(['IMPLEMENTATION_SPECIFIC_DEFAULT', 'KEEP_UNCHANGED', 'REJECT_REQUEST', 'UNESCAPE_AND_REDIRECT', 'UNESCAPE_AND_FORWARD']).optional(),
  use_remote_address: z.boolean().optional(),
  xff_num_trusted_hops: z.number().int().min(0).optional(),
  forward_client_cert_details: z.enum(['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY']).optional(),
  generate_request_id: z.boolean().optional(),
  preserve_external_request_id: z.boolean().optional(),
  access_log: z.array(TypedConfig).optional(),
  /** meshgate extension settings for this listener (see docs/xds.md); from MeshConfig `meshgate:`. */
  'meshgate.listener': z
    .strictObject({
      /** Largest request body buffered so it can be retried or mirrored (default 1 MiB). */
      retry_buffer_bytes: z.number().int().min(0).optional(),
      /** Honour x-envoy-max-retries / x-envoy-upstream-rq-timeout-ms from internal callers (default true). */
      internal_header_overrides: z.boolean().optional(),
      /** How often the gateway polls for a new snapshot (default: the gateway's MESHGATE_REFRESH_MS). */
      refresh_interval_ms: z.number().int().positive().optional(),
    })
    .optional(),
});
export type HttpConnectionManager = z.infer<typeof HttpConnectionManager>;

export const Listener = z.strictObject({
  name: z.string(),
  address: Address,
  filter_chains: z.array(z.strictObject({
    filter_chain_match: z.strictObject({ server_names: z.array(z.string()).optional(), destination_port: z.number().int().optional() }).optional(),
    filters: z.array(z.strictObject({ name: z.literal('envoy.filters.network.http_connection_manager'), typed_config: HttpConnectionManager })),
  })),
  traffic_direction: z.enum(['INBOUND', 'OUTBOUND', 'UNSPECIFIED']).optional(),
});
export type Listener = z.infer<typeof Listener>;
