import type { ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection } from '../../config/kinds/networking/destination-rule.ts';
import type { RetryBudget } from '../../config/kinds/networking/traffic-policy.ts';
import { parseDuration } from '../../config/syntax/duration.ts';
import type { Cluster } from '../resources/cluster.ts';
import { msToDuration } from '../resources/common.ts';

// A DestinationRule traffic policy (already resolved for one port and subset by
// destination-rules.ts) applied to an Envoy cluster, as Istio's
// pilot/pkg/networking/core/cluster_traffic_policy.go does: applyConnectionPool,
// applyOutlierDetection, applyLoadBalancer. Istio cannot tell an unset counter from 0, so 0 means
// "default" wherever it does.

/** Istio's circuit-breaker default for every threshold (getDefaultCircuitBreakerThresholds). */
export const MAX_UINT32 = 4294967295;
/** MeshConfig.connectTimeout default. */
export const DEFAULT_CONNECT_TIMEOUT = '10s';

/** An Istio duration string as a proto3 JSON duration. */
export function protoDuration(text: string | undefined): string | undefined {
  const ms = text === undefined ? undefined : parseDuration(text);
  return ms === undefined ? undefined : msToDuration(ms);
}

/**
 * Istio's default thresholds, each replaced by a positive setting; a retryBudget becomes Envoy's
 * retry_budget with Envoy's defaults (20%, at least 3 concurrent retries). Envoy has no
 * `budgetInterval`: it counts active requests only.
 */
export function circuitBreakers(cp: ConnectionPoolSettings | undefined, budget?: RetryBudget): NonNullable<Cluster['circuit_breakers']> {
  const orMax = (n: number | undefined) => (n !== undefined && n > 0 ? n : MAX_UINT32);
  return {
    thresholds: [
      {
        max_connections: orMax(cp?.tcp?.maxConnections),
        // Envoy applies max_pending_requests to HTTP/1.1 and max_requests to HTTP/2 clusters.
        max_pending_requests: orMax(cp?.http?.http1MaxPendingRequests),
        max_requests: orMax(cp?.http?.http2MaxRequests),
        max_retries: orMax(cp?.http?.maxRetries),
        ...(budget ? { retry_budget: { budget_percent: { value: budget.percent ?? 20 }, min_retry_concurrency: budget.minRetryConcurrency ?? 3 } } : {}),
        track_remaining: true,
      },
    ],
  };
}

export function connectTimeout(cp: ConnectionPoolSettings | undefined): string {
  return protoDuration(cp?.tcp?.connectTimeout) ?? DEFAULT_CONNECT_TIMEOUT;
}

/**
 * applyOutlierDetection: success-rate ejection off; each consecutive-error detector enforced at
 * 100% when its threshold is positive (a 0 threshold is sent with enforcement 0, i.e. disabled).
 * `healthy_panic_threshold` is always set from minHealthPercent (default 0: panic mode off).
 */
export function outlierDetection(od: OutlierDetection | undefined): Pick<Cluster, 'outlier_detection'> & { panicThreshold?: number } {
  if (!od) return {};
  const out: NonNullable<Cluster['outlier_detection']> = { enforcing_success_rate: 0 };
  if (od.consecutive5xxErrors !== undefined) {
    out.consecutive_5xx = od.consecutive5xxErrors;
    out.enforcing_consecutive_5xx = od.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out.consecutive_gateway_failure = od.consecutiveGatewayErrors;
    out.enforcing_consecutive_gateway_failure = od.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  const interval = protoDuration(od.interval);
  if (interval) out.interval = interval;
  const base = protoDuration(od.baseEjectionTime);
  if (base) out.base_ejection_time = base;
  if (od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0) out.max_ejection_percent = od.maxEjectionPercent;
  if (od.splitExternalLocalOriginErrors) {
    out.split_external_local_origin_errors = true;
    if ((od.consecutiveLocalOriginFailures ?? 0) > 0) {
      out.consecutive_local_origin_failure = od.consecutiveLocalOriginFailures;
      out.enforcing_consecutive_local_origin_failure = 100;
    }
    out.enforcing_local_origin_success_rate = 0;
  }
  if (od.outlierDetectionHttpErrorCodes?.length) out['meshgate.error_status_codes'] = [...od.outlierDetectionHttpErrorCodes];
  return { outlier_detection: out, panicThreshold: od.minHealthPercent ?? 0 };
}

type LbFields = Pick<Cluster, 'lb_policy' | 'ring_hash_lb_config' | 'maglev_lb_config'>;

/**
 * applyLoadBalancer + ApplyRingHashLoadBalancer. ORIGINAL_DST clusters always use
 * CLUSTER_PROVIDED (PASSTHROUGH has already turned the cluster into one). Consistent hash picks
 * MAGLEV or RING_HASH; only the deprecated top-level minimumRingSize path defaults the ring to 1024.
 */
export function loadBalancer(lb: LoadBalancerSettings | undefined, type: Cluster['type']): LbFields {
  if (type === 'ORIGINAL_DST') return { lb_policy: 'CLUSTER_PROVIDED' };
  const ch = lb?.consistentHash;
  if (ch) {
    if (ch.maglev) return { lb_policy: 'MAGLEV', ...(ch.maglev.tableSize ? { maglev_lb_config: { table_size: ch.maglev.tableSize } } : {}) };
    if (ch.ringHash) return { lb_policy: 'RING_HASH', ...(ch.ringHash.minimumRingSize ? { ring_hash_lb_config: { minimum_ring_size: ch.ringHash.minimumRingSize } } : {}) };
    return { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: ch.minimumRingSize || 1024 } };
  }
  switch (lb?.simple) {
    case 'RANDOM':
      return { lb_policy: 'RANDOM' };
    case 'ROUND_ROBIN':
      return { lb_policy: 'ROUND_ROBIN' };
    default:
      // UNSPECIFIED, LEAST_CONN (deprecated alias), LEAST_REQUEST: Istio's default algorithm.
      return { lb_policy: 'LEAST_REQUEST' };
  }
}
