import type { Destination } from '../../config/kinds/networking/virtual-service.ts';
import type { ConsistentHashLB } from '../../config/kinds/networking/load-balancer.ts';
import { parseDuration } from '../../config/syntax/duration.ts';
import { clusterName, type ClusterRef } from '../cluster-name.ts';
import { trafficPolicyFor } from '../destination-rules.ts';
import { resolveShortName } from '../hosts.ts';
import { msToDuration } from '../resources/common.ts';
import type { HashPolicy } from '../resources/route.ts';
import type { RouteTarget, RouteTranslation } from './translate.ts';

// A route destination → its cluster (Istio route.go GetDestinationCluster) and, when the
// DestinationRule for that cluster hashes consistently, the route's hash policy
// (consistentHashToHashPolicy).

/** Namespace of the gateway proxies whose DestinationRule view routes are generated for. */
import { GATEWAY_PROXY_NAMESPACE } from '../push-context.ts';

export interface ResolvedDestination {
  name: string;
  ref: ClusterRef;
  serviceNamespace?: string;
}

/**
 * Port: `destination.port`, else the service's only port, else the listener port (Istio
 * GetDestinationCluster: a service with several ports and none given gets the listener port's
 * cluster, 503 when it has no such port; `meshgate analyze` reports it, IST0112). Records the cluster.
 */
export function resolveDestination(tx: RouteTranslation, target: RouteTarget, dest: Destination, namespace: string): ResolvedDestination {
  const host = resolveShortName(dest.host, namespace);
  const service = tx.push.services.get(host);
  const ports = service?.ports ?? [];
  const port = dest.port?.number ?? (ports.length === 1 ? ports[0]!.number : target.port);
  const ref: ClusterRef = { host, port, subset: dest.subset ?? '' };
  const name = clusterName(ref);
  tx.clusters.set(name, ref);
  return { name, ref, ...(service ? { serviceNamespace: service.namespace } : {}) };
}

function toHashPolicy(h: ConsistentHashLB): HashPolicy | undefined {
  if (h.httpHeaderName !== undefined) return { header: { header_name: h.httpHeaderName } };
  if (h.httpCookie) {
    const c = h.httpCookie;
    const ttl = c.ttl !== undefined ? parseDuration(c.ttl) : undefined;
    return {
      cookie: {
        name: c.name ?? '',
        ...(ttl !== undefined ? { ttl: msToDuration(ttl) } : {}),
        ...(c.path ? { path: c.path } : {}),
        ...(c.attributes?.length ? { attributes: c.attributes.map((a) => ({ name: a.name, ...(a.value !== undefined ? { value: a.value } : {}) })) } : {}),
      },
    };
  }
  if (h.useSourceIp !== undefined) return { connection_properties: { source_ip: h.useSourceIp } };
  if (h.httpQueryParameterName !== undefined) return { query_parameter: { name: h.httpQueryParameterName } };
  return undefined;
}

/**
 * The hash policy of the cluster's effective load balancer, if it hashes consistently: the same
 * DestinationRule the proxy's cluster is built from (its namespace and labels, workloadSelector).
 */
export function hashPolicyFor(tx: RouteTranslation, d: ResolvedDestination): HashPolicy | undefined {
  const ns = tx.proxy?.namespace ?? GATEWAY_PROXY_NAMESPACE;
  const { policy } = trafficPolicyFor(tx.push, ns, d.ref.host, d.ref.port, d.ref.subset, d.serviceNamespace, tx.proxy?.labels);
  const hash = policy?.loadBalancer?.consistentHash;
  return hash ? toHashPolicy(hash) : undefined;
}
