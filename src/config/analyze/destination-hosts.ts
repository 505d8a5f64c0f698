import { type Analyzer, entriesFor, destinations, quote } from './context.ts';

// IST0101 for a route, mirror or TLS/TCP destination whose host no ServiceEntry declares.
// meshgate has no Kubernetes Services: the registry is the ServiceEntries (wildcard hosts
// included; an entry backed by WorkloadEntries through workloadSelector counts), so such a
// destination has no cluster and the gateway answers 503 (DESIGN.md "Gateways answer like Envoy").
// istio/istio pkg/config/analysis/analyzers/virtualservice/destinationhosts.go.

export const destinationHosts: Analyzer = {
  name: 'virtualservice.destinationhosts',
  analyze(ctx) {
    for (const vs of ctx.virtualServices) {
      for (const d of destinations(vs)) {
        if (entriesFor(ctx, d.host).length) continue;
        const effect = d.mirror ? 'nothing is mirrored there' : 'requests routed there get 503';
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
