import { applicableDestinationRules } from '../destination-rule-lookup.ts';
import type { DestinationRuleSpec } from '../kinds/networking/destination-rule.ts';
import type { VirtualServiceSpec } from '../kinds/networking/virtual-service.ts';
import { type Analyzer, byCreation, chosenEntry, type Ctx, destinations, GATEWAY_NAMESPACE, GATEWAY_ROLES, MESH, quote, selects, type Typed, vsGateways } from './context.ts';

// IST0101 for a destination `subset` no DestinationRule defines for its host: the route names
// cluster `outbound|port|subset|host`, which does not exist, so the gateway answers 503.
// The rules consulted are those the translator uses for the gateway that serves the route
// (applicableDestinationRules: istio-system's private rules, the service's namespace, the root
// namespace; the most specific host; rules selecting that gateway first), merged across rules.
// istio/istio pkg/config/analysis/analyzers/virtualservice/destinationrules.go.

/** The gateway roles that can serve a VirtualService's routes (`mesh` ⇒ egress; unknown ⇒ both). */
function rolesServing(ctx: Ctx, vs: Typed<VirtualServiceSpec>): typeof GATEWAY_ROLES {
  if (!vs.spec.hosts?.length) return GATEWAY_ROLES; // a delegate: served wherever its root is
  const roles = GATEWAY_ROLES.filter((r) =>
    vsGateways(vs).some((key) => (key === MESH ? r.role === 'egress' : ctx.gateways.some((gw) => gw.key === key && selects(gw.spec.selector, r.labels)))),
  );
  return roles.length ? roles : GATEWAY_ROLES;
}

/** The DestinationRules the gateway with `labels` uses for `host`, oldest first. */
export function rulesFor(ctx: Ctx, host: string, labels: Readonly<Record<string, string>>): Typed<DestinationRuleSpec>[] {
  return applicableDestinationRules([...ctx.destinationRules].sort(byCreation), (dr) => dr, {
    proxyNamespace: GATEWAY_NAMESPACE, host, serviceNamespace: chosenEntry(ctx, host)?.namespace, proxyLabels: labels, rootNamespace: ctx.rootNamespace, defaultExportTo: ctx.defaultDestinationRuleExportTo,
  });
}

export const destinationSubsets: Analyzer = {
  name: 'virtualservice.destinationsubsets',
  analyze(ctx) {
    for (const vs of ctx.virtualServices) {
      for (const d of destinations(vs)) {
        const subset = d.destination.subset;
        if (!subset) continue;
        const defines = (dr: Typed<DestinationRuleSpec>) => (dr.spec.subsets ?? []).some((s) => s?.name === subset);
        // Report the first gateway that serves this route and finds no such subset.
        const rules = rolesServing(ctx, vs).map((r) => rulesFor(ctx, d.host, r.labels)).find((rs) => !rs.some(defines));
        if (!rules) continue;
        const effect = d.mirror ? 'nothing is mirrored there' : 'requests routed there get 503';
        const known = rules.flatMap((dr) => (dr.spec.subsets ?? []).flatMap((s) => (s ? [s.name] : [])));
        const detail = rules.length
          ? `DestinationRule ${rules.map((r) => r.key).join(', ')} for this host defines ${known.length ? `subsets ${known.map(quote).join(', ')}` : 'no subsets'}`
          : 'no DestinationRule applies to this host';
        ctx.report(vs, {
          severity: 'error',
          code: 'IST0101',
          path: [...d.path, 'subset'],
          message: `Referenced host+subset in destinationrule not found: ${quote(`${d.host}+${subset}`)} (${detail}); ${effect}. Define subset ${quote(subset)} in a DestinationRule for ${d.host}, or fix the subset name`,
        });
      }
    }
  },
};
