// The upstream side of the edge data plane: compiled clusters, load balancing, circuit breakers
// and outlier detection (pure; the router does the fetch).
export { compileClusters, CompiledCluster, ORIGINAL_DESTINATION } from './cluster.ts';
export type { ClusterKind, Lease, LbPolicy, PickContext, PickResult } from './cluster.ts';
export type { Endpoint } from './lb.ts';
export type { OutlierConfig, RequestOutcome } from './outlier.ts';
export { UpstreamState } from './state.ts';
export type { ResourceKind } from './state.ts';
