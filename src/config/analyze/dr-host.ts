import { hostsMatch, resolveShortName } from '../hosts.ts';
import { type Analyzer, anyEntryOverlaps, destinations, quote } from './context.ts';

// IST0174 UnknownDestinationRuleHost: a DestinationRule whose host matches no ServiceEntry
// (meshgate's whole registry) has no cluster to apply to. Warning, as in Istio.
// https://istio.io/latest/docs/reference/config/analysis/ist0174/

export const destinationRuleHost: Analyzer = {
  name: 'destinationrule.host',
  analyze(ctx) {
    const routed = ctx.virtualServices.flatMap((vs) => destinations(vs).map((d) => d.host));
    for (const dr of ctx.destinationRules) {
      const host = resolveShortName(dr.spec.host, dr.namespace);
      if (anyEntryOverlaps(ctx, host)) continue;
      const usedBy = routed.some((h) => hostsMatch(h, host)) ? ' Routes send traffic to it, and they fail too' : ' Nothing routes to it either';
      ctx.report(dr, {
        severity: 'warning',
        code: 'IST0174',
        path: ['spec', 'host'],
        message: `The host ${dr.spec.host} defined in the DestinationRule does not match any services in the mesh${host !== dr.spec.host ? ` (resolved as ${quote(host)})` : ''}.${usedBy}. Check the spelling, use the fully qualified name for a host in another namespace, or add a ServiceEntry for it`,
      });
    }
  },
};
