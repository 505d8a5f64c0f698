import type { ServicePort } from '../../config/kinds/networking/service-entry.ts';
import { isTLSProtocol, parseProtocol } from '../../config/kinds/networking/se-port.ts';
import type { Cluster } from '../resources/cluster.ts';
import type { ClusterLoadAssignment } from '../resources/endpoint.ts';
import { BLACKHOLE_CLUSTER, clusterName, PASSTHROUGH_CLUSTER, type ClusterRef } from '../cluster-name.ts';
import { destinationRuleFor, trafficPolicyFor } from '../destination-rules.ts';
import { isWildcard } from '../hosts.ts';
import type { Node } from '../protocol.ts';
import { visibleTo, type PushContext, type Service } from '../push-context.ts';
import { localityLbEndpoints } from './endpoints.ts';
import { circuitBreakers, connectTimeout, DEFAULT_CONNECT_TIMEOUT, loadBalancer, outlierDetection } from './traffic-policy.ts';
import { upstreamTransportSocket } from './tls.ts';
import { clusterMetadata } from './metadata.ts';
import { sidecarAdmits, sidecarFor } from '../sidecar-scope.ts';

// Clusters and ClusterLoadAssignments of one gateway proxy (Istio pilot/pkg/networking/core/
// cluster.go buildOutboundClusters, cluster_builder.go buildCluster/buildSubsetCluster).

export interface ClusterBuild {
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  /** Names routes refer to that the config does not define (undefined subset, unknown host): 503 NC. */
  missing: Set<string>;
}

interface Built {
  cluster: Cluster;
  cla?: ClusterLoadAssignment;
}

/**
 * The discovery type of a service's clusters (convertResolution). meshgate's gateways act for
 * their callers the way a sidecar would, so NONE without endpoints passes through to the
 * requested host (ORIGINAL_DST), as does DYNAMIC_DNS; a wildcard DNS host with no endpoints has
 * no name to resolve and passes through as well.
 */
function discoveryType(svc: Service): Cluster['type'] {
  const spec = svc.entry.spec;
  const declared = !!spec.endpoints?.length || !!spec.workloadSelector;
  switch (svc.resolution) {
    case 'STATIC':
      return 'EDS';
    case 'NONE':
      return declared || svc.endpoints.length ? 'EDS' : 'ORIGINAL_DST';
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (!declared && isWildcard(svc.hostname)) return 'ORIGINAL_DST';
      return svc.resolution === 'DNS' ? 'STRICT_DNS' : 'LOGICAL_DNS';
    default:
      return 'ORIGINAL_DST';
  }
}

function buildServiceCluster(push: PushContext, node: Node, svc: Service, port: ServicePort, subset: string): Built | undefined {
  const name = clusterName({ host: svc.hostname, port: port.number, subset });
  const tp = trafficPolicyFor(push, node.namespace, svc.hostname, port.number, subset, svc.namespace, node.labels);
  if (!tp.subsetDefined) return undefined;
  const policy = tp.policy;
  let type = discoveryType(svc);
  if (policy?.loadBalancer?.simple === 'PASSTHROUGH') type = 'ORIGINAL_DST';

  let endpoints = type === 'ORIGINAL_DST' ? [] : localityLbEndpoints(svc, port, tp.subset?.labels);
  const dns = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';
  // Istio builds no DNS cluster without endpoints (buildCluster returns nil): routes to it get 503 NC.
  if (dns && !endpoints.length) return undefined;
  // Envoy's LOGICAL_DNS takes exactly one host.
  if (type === 'LOGICAL_DNS') {
    const first = endpoints[0]!;
    const host = first.lb_endpoints[0]!;
    endpoints = [{ ...first, lb_endpoints: [host], load_balancing_weight: host.load_balancing_weight ?? 1 }];
  }

  const outlier = outlierDetection(policy?.outlierDetection);
  const transport_socket = upstreamTransportSocket(policy?.tls, { service: svc, port: port.number, subset, trustDomain: push.mesh.trustDomain });
  const tlsMode = transport_socket?.['meshgate.tls'].mode;
  const https = isTLSProtocol(parseProtocol(port.protocol)) || tlsMode !== undefined;
  const cluster: Cluster = {
    name,
    type,
    ...(type === 'EDS' ? { eds_cluster_config: { service_name: name } } : {}),
    connect_timeout: connectTimeout(policy?.connectionPool),
    ...loadBalancer(policy?.loadBalancer, type),
    // Istio PassthroughTargetPorts: a NONE entry's targetPort replaces the request's port.
    ...(type === 'ORIGINAL_DST' && svc.resolution === 'NONE' && port.targetPort ? { original_dst_lb_config: { upstream_port_override: port.targetPort } } : {}),
    circuit_breakers: circuitBreakers(policy?.connectionPool, policy?.retryBudget),
    ...(outlier.outlier_detection ? { outlier_detection: outlier.outlier_detection } : {}),
    common_lb_config: outlier.panicThreshold !== undefined ? { healthy_panic_threshold: { value: outlier.panicThreshold } } : {},
    ...(dns ? { dns_lookup_family: 'V4_ONLY', load_assignment: { cluster_name: name, endpoints } } : {}),
    ...(transport_socket ? { transport_socket } : {}),
    metadata: clusterMetadata(svc, port, subset, tp.rule, https ? 'https' : 'http'),
  };
  return { cluster, ...(type === 'EDS' ? { cla: { cluster_name: name, endpoints } } : {}) };
}

/** Istio's BlackHoleCluster (buildBlackHoleCluster): STATIC, no endpoints; the router answers 502/503. */
const blackHole = (): Cluster => ({ name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: DEFAULT_CONNECT_TIMEOUT, lb_policy: 'ROUND_ROBIN' });

/** Istio's PassthroughCluster (buildDefaultPassthroughCluster): the original destination. */
const passthrough = (): Cluster => ({
  name: PASSTHROUGH_CLUSTER,
  type: 'ORIGINAL_DST',
  connect_timeout: DEFAULT_CONNECT_TIMEOUT,
  lb_policy: 'CLUSTER_PROVIDED',
  circuit_breakers: circuitBreakers(undefined),
});

/**
 * The clusters a gateway proxy needs: every (host, port, subset) its routes name, and for the
 * egress gateway (`allServices`) every service visible to its namespace on each port, plus one
 * cluster per subset of the service's DestinationRule. A route naming an unknown (or invisible)
 * host, a port the service lacks, or an undefined subset gets no cluster: it goes in `missing`.
 */
export function buildClusters(push: PushContext, node: Node, refs: Iterable<ClusterRef>, opts: { allServices: boolean }): ClusterBuild {
  const built = new Map<string, Built>();
  const missing = new Set<string>();
  // The egress gateway is scoped by its Sidecar: a service it leaves out gets no cluster, even
  // when a route names it (503, as a sidecar that never imported it).
  const sidecar = opts.allServices ? sidecarFor(push, node) : undefined;
  const visible = (svc: Service) => visibleTo(svc.exportTo, svc.namespace, node.namespace) && sidecarAdmits(sidecar, svc);
  const add = (svc: Service | undefined, portNumber: number, subset: string): boolean => {
    if (!svc || !visible(svc)) return false;
    if (built.has(clusterName({ host: svc.hostname, port: portNumber, subset }))) return true;
    const port = svc.ports.find((p) => p.number === portNumber);
    const b = port ? buildServiceCluster(push, node, svc, port, subset) : undefined;
    if (b) built.set(b.cluster.name, b);
    return !!b;
  };
  for (const ref of refs) if (!add(push.services.get(ref.host), ref.port, ref.subset)) missing.add(clusterName(ref));
  if (opts.allServices) {
    // Every service the gateway may route to by Host: those visible to it and its Sidecar admits.
    for (const svc of push.services.values()) {
      if (!visible(svc)) continue;
      const subsets = destinationRuleFor(push, node.namespace, svc.hostname, svc.namespace, node.labels)?.subsets ?? [];
      for (const port of svc.ports) {
        add(svc, port.number, '');
        for (const s of subsets) add(svc, port.number, s.name);
      }
    }
  }
  const clusters = [...[...built.values()].map((b) => b.cluster), blackHole(), passthrough()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const endpoints = [...built.values()].flatMap((b) => (b.cla ? [b.cla] : [])).sort((a, b) => (a.cluster_name < b.cluster_name ? -1 : 1));
  return { clusters, endpoints, missing };
}
