import { z } from 'zod';
import { DurationString, Metadata, TypedConfig } from './common.ts';
import { ClusterLoadAssignment } from './endpoint.ts';

// envoy.config.cluster.v3.Cluster — the subset a gateway executes. Istio's names:
// `outbound|PORT|SUBSET|HOST`, plus BlackHoleCluster and PassthroughCluster.

export const Thresholds = z.strictObject({
  priority: z.enum(['DEFAULT', 'HIGH']).optional(),
  max_connections: z.number().int().min(0).optional(),
  max_pending_requests: z.number().int().min(0).optional(),
  max_requests: z.number().int().min(0).optional(),
  max_retries: z.number().int().min(0).optional(),
  /** Overrides max_retries: concurrent retries ≤ budget_percent of active requests, at least min_retry_concurrency. */
  retry_budget: z
    .strictObject({
      budget_percent: z.strictObject({ value: z.number().min(0).max(100) }).optional(),
      min_retry_concurrency: z.number().int().min(0).optional(),
    })
    .optional(),
  track_remaining: z.boolean().optional(),
});

export const OutlierDetection = z.strictObject({
  consecutive_5xx: z.number().int().min(0).optional(),
  consecutive_gateway_failure: z.number().int().min(0).optional(),
  consecutive_local_origin_failure: z.number().int().min(0).optional(),
  split_external_local_origin_errors: z.boolean().optional(),
  interval: DurationString.optional(),
  base_ejection_time: DurationString.optional(),
  max_ejection_time: DurationString.optional(),
  max_ejection_percent: z.number().int().min(0).max(100).optional(),
  enforcing_consecutive_5xx: z.number().int().min(0).max(100).optional(),
  enforcing_consecutive_gateway_failure: z.number().int().min(0).max(100).optional(),
  enforcing_success_rate: z.number().int().min(0).max(100).optional(),
  enforcing_consecutive_local_origin_failure: z.number().int().min(0).max(100).optional(),
  enforcing_local_origin_success_rate: z.number().int().min(0).max(100).optional(),
  /** meshgate: Istio outlierDetectionHttpErrorCodes — statuses counted as errors (default 5xx). */
  'meshgate.error_status_codes': z.array(z.number().int()).optional(),
});
export type OutlierDetection = z.infer<typeof OutlierDetection>;

export const UpstreamTls = z.strictObject({
  sni: z.string().optional(),
  /** SDS secret names (Istio: `file-root:…`, `kubernetes://credentialName`, `ROOTCA`, `default`). */
  trusted_ca_secret: z.string().optional(),
  client_certificate_secret: z.string().optional(),
  subject_alt_names: z.array(z.string()).optional(),
  insecure_skip_verify: z.boolean().optional(),
  mode: z.enum(['SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']),
});
export type UpstreamTls = z.infer<typeof UpstreamTls>;

export const Cluster = z.strictObject({
  name: z.string(),
  type: z.enum(['EDS', 'STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'ORIGINAL_DST']),
  eds_cluster_config: z.strictObject({ service_name: z.string() }).optional(),
  connect_timeout: DurationString.optional(),
  lb_policy: z.enum(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED']).optional(),
  /** ORIGINAL_DST: the port to use instead of the request's (Istio: a NONE ServiceEntry's targetPort). */
  original_dst_lb_config: z.strictObject({ upstream_port_override: z.number().int().min(1).max(65535).optional() }).optional(),
  ring_hash_lb_config: z.strictObject({ minimum_ring_size: z.number().int().optional(), maximum_ring_size: z.number().int().optional() }).optional(),
  maglev_lb_config: z.strictObject({ table_size: z.number().int().optional() }).optional(),
  circuit_breakers: z.strictObject({ thresholds: z.array(Thresholds) }).optional(),
  outlier_detection: OutlierDetection.optional(),
  common_lb_config: z.strictObject({ healthy_panic_threshold: z.strictObject({ value: z.number() }).optional() }).optional(),
  /** `envoy.transport_sockets.tls` (UpstreamTlsContext), flattened to the fields the edge can honour. */
  transport_socket: z.strictObject({ name: z.literal('envoy.transport_sockets.tls'), typed_config: TypedConfig, 'meshgate.tls': UpstreamTls }).optional(),
  load_assignment: ClusterLoadAssignment.optional(),
  dns_lookup_family: z.string().optional(),
  metadata: Metadata.optional(),
});
export type Cluster = z.infer<typeof Cluster>;
