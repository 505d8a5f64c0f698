import { compareSpecificity, hostsMatch, hostSubsetOf, resolveShortName } from './hosts.ts';
import type { DestinationRuleSpec } from './kinds/networking/destination-rule.ts';

// Which DestinationRules apply to a host for a proxy: one pure function shared by the translator
// (src/xds/destination-rules.ts) and `meshgate analyze`, so the two can never disagree.
// Istio pilot/pkg/model/push_context.go destinationRule (lookup order, rootNamespaceLocal) and
// MostSpecificHostMatch; sidecar.go DestinationRule (workloadSelector).

/** Is a config with `exportTo` in namespace `ns` visible from namespace `to`? */
export function visibleTo(exportTo: readonly string[], ns: string, to: string): boolean {
  return exportTo.some((e) => e === '*' || e === to || (e === '.' && ns === to));
}

export interface DestinationRuleQuery {
  /** The proxy's namespace (meshgate's gateways: istio-system). */
  proxyNamespace: string;
  host: string;
  /** Namespace of the ServiceEntry the host resolves to, when one does. */
  serviceNamespace?: string;
  proxyLabels?: Readonly<Record<string, string>>;
  rootNamespace: string;
  /** MeshConfig defaultDestinationRuleExportTo. */
  defaultExportTo: readonly string[];
}

interface RuleView {
  namespace: string;
  spec: DestinationRuleSpec;
}

/**
 * The rules that apply, as Istio picks them: the proxy's namespace, then the service's namespace
 * (exported to the proxy), then the root namespace (exported to the proxy); in the first
 * namespace with a match, the most specific rule host, rules selecting this proxy first.
 * `rules` come oldest first; so does the result (several rules there are merged by the caller).
 */
export function applicableDestinationRules<R>(rules: readonly R[], view: (r: R) => RuleView, q: DestinationRuleQuery): R[] {
  const exportOf = (v: RuleView) => (v.spec.exportTo?.length ? v.spec.exportTo : q.defaultExportTo);
  // A rule with a workloadSelector applies only to proxies it selects, in its own namespace.
  const selects = (v: RuleView) => {
    const labels = v.spec.workloadSelector?.matchLabels;
    return !!q.proxyLabels && v.namespace === q.proxyNamespace && Object.entries(labels ?? {}).every(([k, val]) => q.proxyLabels?.[k] === val);
  };
  // A proxy in the root namespace (meshgate's gateways, in istio-system) looks first only at the
  // root namespace's private rules (exportTo "."): its public ones are mesh-wide catch-alls
  // (`*.local`) that must not hide a service namespace's own rule (rootNamespaceLocal).
  const privateOnly = (v: RuleView) => {
    const e = exportOf(v);
    return e.length === 1 && (e[0] === '.' || e[0] === v.namespace);
  };
  const hostOf = (v: RuleView) => resolveShortName(v.spec.host, v.namespace);
  const order = [q.proxyNamespace, q.serviceNamespace, q.rootNamespace].filter((n): n is string => !!n);
  for (const [i, ns] of order.entries()) {
    const inNs = rules.filter((r) => {
      const v = view(r);
      if (v.namespace !== ns) return false;
      if (i > 0) return visibleTo(exportOf(v), v.namespace, q.proxyNamespace);
      return q.proxyNamespace !== q.rootNamespace || privateOnly(v) || !!v.spec.workloadSelector;
    });
    const usable = inNs.filter((r) => !view(r).spec.workloadSelector || selects(view(r)));
    const covering = usable.filter((r) => hostsMatch(q.host, hostOf(view(r))) && hostSubsetOf(q.host, hostOf(view(r))));
    if (!covering.length) continue;
    const best = covering.map((r) => hostOf(view(r))).sort(compareSpecificity)[0];
    const found = covering.filter((r) => hostOf(view(r)) === best);
    return [...found.filter((r) => view(r).spec.workloadSelector), ...found.filter((r) => !view(r).spec.workloadSelector)];
  }
  return [];
}

/**
 * How a proxy in `proxyNamespace` ranks ServiceEntries for one host (lower first; oldest first
 * within a rank): its own namespace, then entries exported to it by name, then public ones, and
 * last one it cannot see (push_context.go servicesExportedToNamespace).
 */
export function serviceEntryRank(namespace: string, exportTo: readonly string[], proxyNamespace: string): number {
  if (!visibleTo(exportTo, namespace, proxyNamespace)) return 3;
  if (namespace === proxyNamespace) return 0;
  return exportTo.includes(proxyNamespace) ? 1 : 2;
}
