import { type Analyzer, GATEWAY_ROLES, selects } from './context.ts';

// MG0009 (warning): an ingress Gateway server on a port Cloudflare's edge does not proxy. A
// server's port.number is the edge port a request arrived on (DESIGN.md "Ports and roles"), and
// the edge accepts HTTP on 80, 8080, 8880, 2052, 2082, 2086, 2095 and HTTPS on 443, 2053, 2083,
// 2087, 2096, 8443 only, so such a server never receives traffic. (Istio's nearest analyzer is
// IST0162 GatewayPortNotDefinedOnService, about the gateway's Kubernetes Service.)
// https://developers.cloudflare.com/fundamentals/reference/network-ports/

export const EDGE_HTTP_PORTS: readonly number[] = [80, 8080, 8880, 2052, 2082, 2086, 2095];
export const EDGE_HTTPS_PORTS: readonly number[] = [443, 2053, 2083, 2087, 2096, 8443];

const ingress = GATEWAY_ROLES.find((r) => r.role === 'ingress')!;

export const gatewayPorts: Analyzer = {
  name: 'gateway.ports',
  analyze(ctx) {
    for (const gw of ctx.gateways) {
      if (!selects(gw.spec.selector, ingress.labels)) continue;
      for (const [i, s] of gw.spec.servers.entries()) {
        const n = s.port.number;
        if (n === 0 || EDGE_HTTP_PORTS.includes(n) || EDGE_HTTPS_PORTS.includes(n)) continue;
        ctx.report(gw, {
          severity: 'warning',
          code: 'MG0009',
          path: ['spec', 'servers', i, 'port', 'number'],
          message: `port ${n} is not a port Cloudflare's edge proxies, so the ingress gateway never receives requests on it. Use an HTTP port (${EDGE_HTTP_PORTS.join(', ')}) or an HTTPS port (${EDGE_HTTPS_PORTS.join(', ')})`,
        });
      }
    }
  },
};
