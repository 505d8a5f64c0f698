import { type Analyzer, chosenEntry, destinations, quote } from './context.ts';

// IST0101 for a route, mirror or TLS/TCP destination whose host no ServiceEntry declares.
// meshgate has no Kubernetes Services: the registry is the ServiceEntries (wildcard hosts
// included; an entry backed by WorkloadEntries through workloadSelector counts), so such a
// destination has no cluster and the gateway answers 503 (DESIGN.md "Gateways answer like Envoy").
// Then the port: IST0112 when the service has several ports and the destination names none (the
// route takes the listener port's cluster), IST0101 host:port when it names one the service lacks.
// istio/istio pkg/config/analysis/analyzers/virtualservice/destinationhosts.go (checkServiceEntryPorts).

export const destinationHosts: Analyzer = {
  name: 'virtualservice.destinationhosts',
  analyze(ctx) {
    for (const vs of ctx.virtualServices) {
      for (const d of destinations(vs)) {
        const effect = d.mirror ? 'nothing is mirrored there' : 'requests routed there get 503';
        const entry = chosenEntry(ctx, d.host);
        if (entry) {
          // The ports of the entry the gateways use for this host (Istio's ranking).
          const ports = [...new Set((entry.spec.ports ?? []).map((p) => p.number))].sort((a, b) => a - b);
          const port = d.destination.port?.number;
          if (port === undefined && ports.length > 1) {
            ctx.report(vs, {
              severity: 'error',
              code: 'IST0112',
              path: d.path,
              message: `This VirtualService routes to a service ${quote(d.host)} that exposes multiple ports [${ports.join(' ')}]. Specifying a port in the destination is required to disambiguate; without one the gateway uses its own listener port, and ${effect} unless the service has that port`,
            });
          } else if (port !== undefined && ports.length && !ports.includes(port)) {
            ctx.report(vs, {
              severity: 'error',
              code: 'IST0101',
              path: [...d.path, 'port', 'number'],
              message: `Referenced host:port not found: ${quote(`${d.host}:${port}`)} (ServiceEntry ${entry.key}, which the gateways use for it, declares ports ${ports.join(', ')}); ${effect}. Use one of its ports or add the port to the ServiceEntry`,
            });
          }
          continue;
        }
        const short = d.destination.host !== d.host ? ` (${quote(d.destination.host)} resolved in namespace ${vs.namespace})` : '';
        ctx.report(vs, {
          severity: 'error',
          code: 'IST0101',
          path: [...d.path, 'host'],
          message: `Referenced host not found: ${quote(d.host)}${short}; ${effect}. Add a ServiceEntry declaring this host, or fix the host name`,
        });
      }
    }
  },
};
