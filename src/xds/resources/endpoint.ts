import { z } from 'zod';
import { Address, Metadata } from './common.ts';

// envoy.config.endpoint.v3.ClusterLoadAssignment (EDS).

export const LbEndpoint = z.strictObject({
  endpoint: z.strictObject({ address: Address, hostname: z.string().optional() }),
  health_status: z.enum(['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING']).optional(),
  load_balancing_weight: z.number().int().min(1).optional(),
  metadata: Metadata.optional(),
});
export type LbEndpoint = z.infer<typeof LbEndpoint>;

export const LocalityLbEndpoints = z.strictObject({
  locality: z.strictObject({ region: z.string().optional(), zone: z.string().optional(), sub_zone: z.string().optional() }).optional(),
  lb_endpoints: z.array(LbEndpoint),
  load_balancing_weight: z.number().int().min(1).optional(),
  priority: z.number().int().min(0).optional(),
});

export const ClusterLoadAssignment = z.strictObject({
  cluster_name: z.string(),
  endpoints: z.array(LocalityLbEndpoints),
});
export type ClusterLoadAssignment = z.infer<typeof ClusterLoadAssignment>;
