import type { Cluster } from '../resources/cluster.ts';
import type { ClusterLoadAssignment } from '../resources/endpoint.ts';
import type { ClusterRef } from '../cluster-name.ts';
import type { Node } from '../protocol.ts';
import type { PushContext } from '../push-context.ts';

// TODO(cluster helper): Clusters and ClusterLoadAssignments (Istio cluster.go, cluster_traffic_policy.go).

export interface ClusterBuild {
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  /** Names routes refer to that the config does not define (undefined subset, unknown host): 503 NC. */
  missing: Set<string>;
}

export function buildClusters(_push: PushContext, _node: Node, _refs: Iterable<ClusterRef>, _opts: { allServices: boolean }): ClusterBuild {
  return { clusters: [], endpoints: [], missing: new Set() };
}
