import { hostsMatch } from '../hosts.ts';
import type { GatewaySpec } from '../kinds/networking/gateway.ts';
import type { VirtualServiceSpec } from '../kinds/networking/virtual-service.ts';
import { type Analyzer, GATEWAY_ROLES, quote, selects, splitServerHost, type Typed, vsBindsGateway, vsGateways, vsHosts } from './context.ts';

// How Gateway server hosts and the hosts of the VirtualServices bound to them line up.
// - IST0132 VirtualServiceHostNotFoundInGateway (warning): a VirtualService host no server of a
//   Gateway it binds to accepts; that host gets no route on that gateway
//   (analyzers/virtualservice/gateways.go).
// - MG0004 (info): a server host no bound VirtualService serves: every request for it is a 404
//   (DESIGN.md "Gateways answer like Envoy"). Servers that only redirect to HTTPS, and TLS
//   AUTO_PASSTHROUGH servers, need no VirtualService; a Gateway no proxy runs is skipped.

/** Server host `ns/dns` admits a VirtualService from `vs` whose host is `host`? */
function admits(serverHost: string, gw: Typed<GatewaySpec>, vs: Typed<VirtualServiceSpec>, host: string): boolean {
  const { namespace, dnsName } = splitServerHost(serverHost, gw.namespace);
  return (namespace === '*' || namespace === vs.namespace) && hostsMatch(host, dnsName);
}

export const gatewayHosts: Analyzer = {
  name: 'gateway.hosts',
  analyze(ctx) {
    const gateways = new Map(ctx.gateways.map((g) => [g.key, g]));
    for (const vs of ctx.virtualServices) {
      const hosts = vsHosts(vs);
      for (const key of new Set(vsGateways(vs))) {
        const gw = gateways.get(key);
        if (!gw) continue; // reported by vs-references
        const serverHosts = gw.spec.servers.flatMap((s) => s.hosts);
        for (const [i, h] of hosts.entries()) {
          if (serverHosts.some((sh) => admits(sh, gw, vs, h))) continue;
          ctx.report(vs, {
            severity: 'warning',
            code: 'IST0132',
            path: ['spec', 'hosts', i],
            message: `one or more host [${vs.spec.hosts?.[i] ?? h}] defined in VirtualService ${vs.key} not found in Gateway ${gw.key}; add the host to one of the Gateway's servers (hosts: [${serverHosts.map(quote).join(', ')}]) or it gets no route there`,
          });
        }
      }
    }
    for (const gw of ctx.gateways) {
      if (!GATEWAY_ROLES.some((r) => selects(gw.spec.selector, r.labels))) continue; // runs nowhere (IST0127)
      const bound = ctx.virtualServices.filter((vs) => vsBindsGateway(vs, gw.key));
      for (const [i, server] of gw.spec.servers.entries()) {
        if (server.tls?.httpsRedirect || server.tls?.mode === 'AUTO_PASSTHROUGH') continue;
        for (const [j, sh] of server.hosts.entries()) {
          if (bound.some((vs) => vsHosts(vs).some((h) => admits(sh, gw, vs, h)))) continue;
          ctx.report(gw, {
            severity: 'info',
            code: 'MG0004',
            path: ['spec', 'servers', i, 'hosts', j],
            message: `no VirtualService bound to Gateway ${gw.key} serves host ${quote(sh)} on port ${server.port.number}: every request for it gets 404. Bind a VirtualService (gateways: [${gw.key}]) with a matching host, or remove the host`,
          });
        }
      }
    }
  },
};
