import type { Route, RouteConfiguration, VirtualHost } from './resources/route.ts';
import type { Node } from './protocol.ts';
import type { PushContext } from './push-context.ts';
import { gatewaysForProxy, splitServerHost, virtualServicesForGateway } from './gateway-binding.ts';
import { intersectHosts, resolveShortName } from './hosts.ts';
import { translateHttpRoutes, type RouteTranslation } from './route/translate.ts';
import { sortCatchAllLast } from './route/catch-all.ts';
import { isHTTPServer } from '../config/kinds/networking/gw-server.ts';

// Gateway route tables (Istio pilot/pkg/networking/core/gateway.go buildGatewayHTTPRouteConfig):
// one RouteConfiguration per gateway port; for each HTTP server, the VirtualServices its Gateway binds
// (VirtualServicesForGateway order) add their routes to one virtual host per (server host ∩
// VirtualService host); a VirtualService with no route for the port adds no virtual host (so it
// cannot hide a wildcard one); catch-alls last; a route-less require_tls vhost for each
// httpsRedirect server host no VirtualService bound.

export interface GatewayPort {
  port: number;
  routeConfig: RouteConfiguration;
}

export function buildGatewayRoutes(push: PushContext, node: Node, tx: RouteTranslation): GatewayPort[] {
  interface VHostAcc {
    domain: string;
    routes: Route[];
    /** `gateway|vs` whose routes are in already (a VirtualService bound through two servers adds them once). */
    added: Set<string>;
    requireTls: boolean;
  }
  const ports = new Map<number, Map<string, VHostAcc>>();
  const translated = new Map<string, Route[]>();
  for (const gw of gatewaysForProxy(push, node)) {
    const gwName = `${gw.metadata.namespace}/${gw.metadata.name}`;
    const bound = virtualServicesForGateway(push, node.namespace, gwName);
    for (const server of gw.spec.servers) {
      // A TCP, TLS or passthrough server takes no HTTP routes (Istio IsHTTPServer); a port with
      // only such servers gets no listener, so requests there find no route (404).
      if (!isHTTPServer(server)) continue;
      const port = server.port.number;
      const vhosts = ports.get(port) ?? new Map<string, VHostAcc>();
      ports.set(port, vhosts);
      const hosts = server.hosts.map((h) => splitServerHost(h, gw.metadata.namespace));
      for (const vs of bound) {
        const domains = new Set<string>();
        for (const { namespace, dnsName } of hosts) {
          if (namespace !== '*' && namespace !== vs.metadata.namespace) continue;
          for (const h of vs.spec.hosts ?? []) {
            const domain = intersectHosts(resolveShortName(h, vs.metadata.namespace), dnsName);
            if (domain) domains.add(domain);
          }
        }
        if (!domains.size) continue;
        const key = `${gwName}|${vs.metadata.namespace}/${vs.metadata.name}|${port}`;
        let routes = translated.get(key);
        if (!routes) translated.set(key, (routes = translateHttpRoutes(tx, { vs, port, gateways: new Set([gwName]) })));
        if (!routes.length) continue; // Istio: "no routes matched", no virtual host
        for (const domain of domains) {
          const acc = vhosts.get(domain) ?? { domain, routes: [], added: new Set<string>(), requireTls: false };
          if (!acc.added.has(key)) acc.routes.push(...routes);
          acc.added.add(key);
          if (server.tls?.httpsRedirect) acc.requireTls = true;
          vhosts.set(domain, acc);
        }
      }
      // An httpsRedirect server host that no VirtualService bound still redirects: Istio adds a
      // route-less require_tls vhost for it (gateway.go "create VirtualHost to redirect").
      if (server.tls?.httpsRedirect) {
        for (const { dnsName } of hosts) {
          const acc = vhosts.get(dnsName);
          if (acc) acc.requireTls = true;
          else vhosts.set(dnsName, { domain: dnsName, routes: [], added: new Set<string>(), requireTls: true });
        }
      }
    }
  }
  const out: GatewayPort[] = [];
  for (const [port, vhosts] of [...ports].sort((a, b) => a[0] - b[0])) {
    const virtual_hosts: VirtualHost[] = [];
    for (const acc of [...vhosts.values()].sort((a, b) => (a.domain < b.domain ? -1 : 1))) {
      // Istio's gateways count attempts (ProxyHeaders attemptCount, on by default).
      virtual_hosts.push({ name: `${acc.domain}:${port}`, domains: [acc.domain], routes: sortCatchAllLast(acc.routes), include_request_attempt_count: true, ...(acc.requireTls ? { require_tls: 'ALL' as const } : {}) });
    }
    // A port whose servers bind no VirtualService answers 404 to everything (gateway.go).
    if (virtual_hosts.length === 0) virtual_hosts.push({ name: `blackhole:${port}`, domains: ['*'], routes: [] });
    out.push({ port, routeConfig: { name: `http.${port}`, virtual_hosts, validate_clusters: false, ignore_port_in_host_matching: true } });
  }
  return out;
}
