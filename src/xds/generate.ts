import type { Node } from './protocol.ts';
import type { PushContext } from './push-context.ts';
import { consistencyErrors, makeSnapshot, type Snapshot, type SnapshotResources } from './snapshot.ts';
import { buildGatewayRoutes } from './gateway-routes.ts';
import { buildEgressRoutes } from './egress-routes.ts';
import { buildListener } from './listeners.ts';
import { buildClusters } from './cluster/build.ts';
import type { RouteTranslation } from './route/translate.ts';
import type { ClusterRef } from './cluster-name.ts';
import { buildTrustBundleSecret } from './security/peer-authentication.ts';

// Per-proxy generation (Istio pilot/pkg/xds/*gen.go): push context + node → snapshot. Pure:
// same input, same snapshot, same versions.

export interface Generated {
  snapshot: Snapshot;
  warnings: string[];
}

export class InconsistentSnapshotError extends Error {}

export async function generateSnapshot(push: PushContext, node: Node): Promise<Generated> {
  const tx: RouteTranslation = { push, clusters: new Map<string, ClusterRef>(), warnings: [], proxy: node };
  const ports = node.role === 'egress' ? buildEgressRoutes(push, node, tx) : buildGatewayRoutes(push, node, tx);
  const listeners = ports.map((p) => buildListener(push, node, p.port, p.routeConfig.name));
  const built = buildClusters(push, node, tx.clusters.values(), { allServices: node.role === 'egress' });
  const resources: SnapshotResources = {
    cluster: built.clusters,
    endpoint: built.endpoints,
    listener: listeners,
    route: ports.map((p) => p.routeConfig),
    secret: [buildTrustBundleSecret(push)].filter((x) => x !== undefined),
  };
  const errors = consistencyErrors(resources, { allowedMissingClusters: built.missing });
  if (errors.length) throw new InconsistentSnapshotError(`snapshot for ${node.id} is inconsistent: ${errors.join('; ')}`);
  return { snapshot: await makeSnapshot(resources, push.configVersion), warnings: tx.warnings };
}
