import type { Route, RouteConfiguration, VirtualHost } from './resources/route.ts';
import type { Node } from './protocol.ts';
import type { PushContext, VirtualService } from './push-context.ts';
import { gatewaysForProxy, splitServerHost, vsBoundTo, vsVisibleToGateway } from './gateway-binding.ts';
import { intersectHosts, resolveShortName } from './hosts.ts';
import { translateHttpRoutes, type RouteTranslation } from './route/translate.ts';
import { sortCatchAllLast } from './route/catch-all.ts';

// Gateway route tables (Istio pilot/pkg/networking/core/gateway.go buildGatewayHTTPRouteConfig):
// one RouteConfiguration per gateway port; one virtual host per (server host ∩ VirtualService
// host); routes of every VirtualService bound there concatenated oldest first, catch-alls last;
// a route-less require_tls vhost for each httpsRedirect server host no VirtualService bound.

export interface GatewayPort {
  port: number;
  routeConfig: RouteConfiguration;
}

export function buildGatewayRoutes(push: PushContext, node: Node, tx: RouteTranslation): GatewayPort[] {
  interface VHostAcc {
    domain: string;
    services: VirtualService[];
    gateways: Set<string>;
    requireTls: boolean;
  }
  const ports = new Map<number, Map<string, VHostAcc>>();
  for (const gw of gatewaysForProxy(push, node)) {
    const gwName = `${gw.metadata.namespace}/${gw.metadata.name}`;
    for (const server of gw.spec.servers) {
      const port = server.port.number;
      const vhosts = ports.get(port) ?? new Map<string, VHostAcc>();
      ports.set(port, vhosts);
      const hosts = server.hosts.map((h) => splitServerHost(h, gw.metadata.namespace));
      for (const vs of push.virtualServices) {
        if (!vsBoundTo(vs, gwName) || !vsVisibleToGateway(push, vs, gw.metadata.namespace)) continue;
        for (const { namespace, dnsName } of hosts) {
          if (namespace !== '*' && namespace !== vs.metadata.namespace) continue;
          for (const h of vs.spec.hosts ?? []) {
            const domain = intersectHosts(resolveShortName(h, vs.metadata.namespace), dnsName);
            if (!domain) continue;
            const acc = vhosts.get(domain) ?? { domain, services: [], gateways: new Set<string>(), requireTls: false };
            if (!acc.services.includes(vs)) acc.services.push(vs);
            acc.gateways.add(gwName);
            if (server.tls?.httpsRedirect) acc.requireTls = true;
            vhosts.set(domain, acc);
          }
        }
      }
      // An httpsRedirect server host that no VirtualService bound still redirects: Istio adds a
      // route-less require_tls vhost for it (gateway.go "create VirtualHost to redirect").
      if (server.tls?.httpsRedirect) {
        for (const { dnsName } of hosts) {
          const acc = vhosts.get(dnsName);
          if (acc) acc.requireTls = true;
          else vhosts.set(dnsName, { domain: dnsName, services: [], gateways: new Set<string>(), requireTls: true });
        }
      }
    }
  }
  const out: GatewayPort[] = [];
  for (const [port, vhosts] of [...ports].sort((a, b) => a[0] - b[0])) {
    const virtual_hosts: VirtualHost[] = [];
    for (const acc of [...vhosts.values()].sort((a, b) => (a.domain < b.domain ? -1 : 1))) {
      const routes: Route[] = [];
      for (const vs of [...acc.services].sort((a, b) => push.virtualServices.indexOf(a) - push.virtualServices.indexOf(b))) {
        routes.push(...translateHttpRoutes(tx, { vs, port, gateways: acc.gateways }));
      }
      // Istio's gateways count attempts (ProxyHeaders attemptCount, on by default).
      virtual_hosts.push({ name: `${acc.domain}:${port}`, domains: [acc.domain], routes: sortCatchAllLast(routes), include_request_attempt_count: true, ...(acc.requireTls ? { require_tls: 'ALL' as const } : {}) });
    }
    // A port whose servers bind no VirtualService answers 404 to everything (gateway.go).
    if (virtual_hosts.length === 0) virtual_hosts.push({ name: `blackhole:${port}`, domains: ['*'], routes: [] });
    out.push({ port, routeConfig: { name: `http.${port}`, virtual_hosts, validate_clusters: false, ignore_port_in_host_matching: true } });
  }
  return out;
}
