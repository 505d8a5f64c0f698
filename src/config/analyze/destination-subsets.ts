import { compareSpecificity, hostSubsetOf, resolveShortName } from '../hosts.ts';
import type { DestinationRuleSpec } from '../kinds/networking/destination-rule.ts';
import { type Analyzer, type Ctx, destinations, quote, type Typed } from './context.ts';

// IST0101 for a destination `subset` no DestinationRule defines for its host: the route names
// cluster `outbound|port|subset|host`, which does not exist, so the gateway answers 503.
// The rules consulted are those of the most specific DestinationRule host covering the
// destination (exact over wildcard), merged across rules, as the translator looks them up;
// rules with a workloadSelector bind sidecars only and are not used by gateways.
// istio/istio pkg/config/analysis/analyzers/virtualservice/destinationrules.go.

/** The selector-less DestinationRules that apply to `host` (most specific host wins). */
export function rulesFor(ctx: Ctx, host: string): Typed<DestinationRuleSpec>[] {
  const usable = ctx.destinationRules.filter((dr) => !dr.spec.workloadSelector);
  const covering = usable.filter((dr) => hostSubsetOf(host, resolveShortName(dr.spec.host, dr.namespace)));
  if (!covering.length) return [];
  const best = covering.map((dr) => resolveShortName(dr.spec.host, dr.namespace)).sort(compareSpecificity)[0];
  return covering.filter((dr) => resolveShortName(dr.spec.host, dr.namespace) === best);
}

export const destinationSubsets: Analyzer = {
  name: 'virtualservice.destinationsubsets',
  analyze(ctx) {
    for (const vs of ctx.virtualServices) {
      for (const d of destinations(vs)) {
        const subset = d.destination.subset;
        if (!subset) continue;
        const rules = rulesFor(ctx, d.host);
        if (rules.some((dr) => (dr.spec.subsets ?? []).some((s) => s?.name === subset))) continue;
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
