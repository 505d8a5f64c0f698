import type { Route, RouteConfiguration, VirtualHost } from './resources/route.ts';
import type { Node } from './protocol.ts';
import { visibleTo, type PushContext, type Service, type Sidecar, type VirtualService } from './push-context.ts';
import { gatewaysForProxy, visibleInOrder, vsBoundTo, vsVisibleToGateway } from './gateway-binding.ts';
import { compareSpecificity, hostsMatch, isWildcard, resolveShortName } from './hosts.ts';
import { routeTimeouts, translateHttpRoutes, type RouteTranslation } from './route/translate.ts';
import { sortCatchAllLast } from './route/catch-all.ts';
import { hashPolicyFor } from './route/destination.ts';
import { convertRetryPolicy } from './route/retry.ts';
import { destinationStages } from './security/authz/destination.ts';
import { clusterName, PASSTHROUGH_CLUSTER } from './cluster-name.ts';
import { outboundPolicy, sidecarAdmits, sidecarFor } from './sidecar-scope.ts';
import type { GatewayPort } from './gateway-routes.ts';

// The egress gateway's route tables. It takes the request's Host and port as the destination, as
// a sidecar does after capturing an outbound call (Istio httproute.go
// buildSidecarOutboundHTTPRouteConfig): per port, one virtual host per registry host (routes from
// the VirtualServices for it, else straight to its cluster), and a catch-all virtual host:
// `allow_any` → PassthroughCluster, or `block_all` → 502 under REGISTRY_ONLY.

/** Ports the egress gateway always listens on: plain HTTP and HTTPS defaults. */
const DEFAULT_PORTS = [80, 443];

export function buildEgressRoutes(push: PushContext, node: Node, tx: RouteTranslation): GatewayPort[] {
  const sidecar = sidecarFor(push, node);
  const policy = outboundPolicy(push, sidecar);
  const services = [...push.services.values()].filter((s) => visibleTo(s.exportTo, s.namespace, node.namespace) && sidecarAdmits(sidecar, s));
  const egressGateways = new Set(gatewaysForProxy(push, node).map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
  // The VirtualServices that apply here, in Istio's order: computed once for every port and host.
  const bound = visibleInOrder(push, node.namespace, (vs) => bindsHere(push, vs, node, egressGateways, sidecar));
  const ports = new Set(DEFAULT_PORTS);
  for (const s of services) for (const p of s.ports) ports.add(p.number);

  const out: GatewayPort[] = [];
  for (const port of [...ports].sort((a, b) => a - b)) {
    const virtual_hosts: VirtualHost[] = [];
    const hosts = new Map<string, Service | undefined>();
    for (const s of services) if (s.ports.some((p) => p.number === port)) hosts.set(s.hostname, s);
    // VirtualService hosts route too, registry or not (the destination decides).
    for (const vs of bound) {
      for (const h of vs.spec.hosts ?? []) {
        const host = resolveShortName(h, vs.metadata.namespace);
        // Only the hosts the Sidecar admits from the VirtualService's namespace get a virtual host.
        if (!sidecarAdmits(sidecar, { hostname: host, namespace: vs.metadata.namespace })) continue;
        if (host !== '*' && !hosts.has(host) && (port === 80 || services.some((s) => s.hostname === host))) hosts.set(host, push.services.get(host));
      }
    }
    for (const host of [...hosts.keys()].sort(compareSpecificity)) {
      const service = hosts.get(host);
      const routes = routesFor(tx, bound, egressGateways, host, port);
      if (!routes.length && service) routes.push(defaultRoute(tx, service, host, port));
      if (routes.length) virtual_hosts.push({ name: `${host}:${port}`, domains: [host], routes, include_request_attempt_count: true });
    }
    virtual_hosts.push(
      policy === 'ALLOW_ANY'
        ? { name: 'allow_any', domains: ['*'], routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, ...routeTimeouts(undefined) } }], include_request_attempt_count: true }
        : { name: 'block_all', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] },
    );
    const routeConfig: RouteConfiguration = { name: String(port), virtual_hosts, validate_clusters: false, ignore_port_in_host_matching: true };
    out.push({ port, routeConfig });
  }
  return out;
}

/**
 * The route of a registry host no VirtualService routes (Istio BuildDefaultHTTPOutboundRoute):
 * straight to its cluster, no timeout, the mesh's defaultHttpRetryPolicy (else the built-in
 * default), and the DestinationRule's consistent hash, which would otherwise go unused.
 */
function defaultRoute(tx: RouteTranslation, service: Service, host: string, port: number): Route {
  const ref = { host, port, subset: '' };
  const name = clusterName(ref);
  tx.clusters.set(name, ref);
  const hash = hashPolicyFor(tx, { name, ref, serviceNamespace: service.namespace });
  const retry = convertRetryPolicy(tx.push.mesh.defaultHttpRetryPolicy, false);
  // The destination's own policies apply as on any route to it (a sidecar there would enforce them).
  const authz = destinationStages(tx, [{ host, port }], port);
  return {
    name: 'default',
    match: { prefix: '/' },
    route: { cluster: name, cluster_not_found_response_code: 'SERVICE_UNAVAILABLE', ...routeTimeouts(undefined), ...(retry ? { retry_policy: retry } : {}), ...(hash ? { hash_policy: [hash] } : {}) },
    ...(Object.keys(authz).length ? { typed_per_filter_config: authz } : {}),
  };
}

/**
 * A VirtualService applies at the egress gateway when bound to an egress Gateway it runs, or to
 * `mesh` and imported by the Sidecar that scopes the gateway (one of its hosts admitted from its
 * namespace), so a VirtualService cannot open a host the Sidecar leaves out.
 */
function bindsHere(push: PushContext, vs: VirtualService, node: Node, egressGateways: ReadonlySet<string>, sidecar: Sidecar | undefined): boolean {
  if (!vsVisibleToGateway(push, vs, node.namespace)) return false;
  if ([...egressGateways].some((g) => vsBoundTo(vs, g))) return true;
  if (!vsBoundTo(vs, 'mesh')) return false;
  return (vs.spec.hosts ?? []).some((h) => sidecarAdmits(sidecar, { hostname: resolveShortName(h, vs.metadata.namespace), namespace: vs.metadata.namespace }));
}

/**
 * Routes for one virtual host. The VirtualServices that own it: those naming exactly this host,
 * else those whose most specific wildcard host covers it (a sidecar's VirtualService "consumes" the
 * registry hosts its wildcard matches); never a VirtualService for another concrete host.
 * Among them, those bound to an egress Gateway we run merge oldest first, catch-alls last (gateway
 * semantics, using that gateway's routes: their `mesh` routes point at the egress gateway itself);
 * otherwise the first `mesh` one (Istio's order: private, exported, public; oldest first within each) with a route for the port alone applies, as a sidecar keeps the first VirtualService of a
 * duplicate domain (Istio httproute.go, istio/istio#36621).
 */
function routesFor(tx: RouteTranslation, bound: readonly VirtualService[], egressGateways: ReadonlySet<string>, host: string, port: number): Route[] {
  const hostsOf = (vs: VirtualService) => (vs.spec.hosts ?? []).map((h) => resolveShortName(h, vs.metadata.namespace)).filter((h) => h !== '*');
  let owners = bound.filter((vs) => hostsOf(vs).includes(host));
  if (!owners.length && !isWildcard(host)) {
    const covering = bound.flatMap((vs) => hostsOf(vs).filter((h) => isWildcard(h) && hostsMatch(h, host)));
    const best = covering.sort(compareSpecificity)[0];
    if (best) owners = bound.filter((vs) => hostsOf(vs).includes(best));
  }
  const viaGateway = (vs: VirtualService) => [...egressGateways].filter((g) => vsBoundTo(vs, g));
  const gatewayBound = owners.filter((vs) => viaGateway(vs).length);
  if (!gatewayBound.length) {
    // The first with a route for this port (one with none makes no virtual host in Istio).
    for (const vs of owners) {
      const routes = translateHttpRoutes(tx, { vs, port, gateways: new Set(['mesh']) });
      if (routes.length) return routes;
    }
    return [];
  }
  const routes: Route[] = [];
  for (const vs of gatewayBound) routes.push(...translateHttpRoutes(tx, { vs, port, gateways: new Set(viaGateway(vs)) }));
  return sortCatchAllLast(routes);
}
