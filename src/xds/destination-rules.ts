import type { TrafficPolicy } from '../config/kinds/networking/destination-rule.ts';
import type { Subset } from '../config/kinds/networking/destination-rule.ts';
import { compareSpecificity, hostsMatch, hostSubsetOf, resolveShortName } from './hosts.ts';
import { visibleTo, type DestinationRule, type PushContext } from './push-context.ts';

// Which DestinationRule applies to a host for a proxy, and the traffic policy of one cluster
// (port, subset) with Istio's precedence — whole objects replaced, never deep-merged:
// subset port-level > subset > DR port-level > DR top-level > defaults.
// pilot/pkg/model/push_context.go destinationRule; pilot/pkg/networking/util MergeSubsetTrafficPolicy.

/** The effective policy fields of one cluster (no portLevelSettings left). */
export type ClusterPolicy = Omit<TrafficPolicy, 'portLevelSettings'>;

export interface MergedRule {
  rule: DestinationRule;
  /** The first (oldest) non-empty top-level policy among the merged rules. */
  trafficPolicy: TrafficPolicy | undefined;
  /** Subsets of all same-host rules in the chosen namespace, oldest rule first, first name wins. */
  subsets: Subset[];
}

function ruleHost(dr: DestinationRule) {
  return resolveShortName(dr.spec.host, dr.metadata.namespace);
}

/** The most specific rule host covering `host` among `rules` (exact > longest wildcard). */
function mostSpecific(rules: DestinationRule[], host: string): DestinationRule[] {
  const candidates = rules.filter((r) => hostsMatch(host, ruleHost(r)) && hostSubsetOf(host, ruleHost(r)));
  if (!candidates.length) return [];
  const best = candidates.map(ruleHost).sort(compareSpecificity)[0]!;
  return candidates.filter((r) => ruleHost(r) === best);
}

/**
 * DR lookup order: the proxy's namespace, then the service's namespace (exported to the proxy),
 * then the root namespace (exported to the proxy). Several rules for one host in one namespace
 * merge: subsets appended (first name wins), the oldest rule's top-level policy wins.
 */
export function destinationRuleFor(push: PushContext, proxyNamespace: string, host: string, serviceNamespace?: string, proxyLabels?: Readonly<Record<string, string>>): MergedRule | undefined {
  const exported = (dr: DestinationRule) => visibleTo(dr.spec.exportTo?.length ? dr.spec.exportTo : push.mesh.defaultDestinationRuleExportTo, dr.metadata.namespace, proxyNamespace);
  // A rule with a workloadSelector applies only to proxies it selects, in its own namespace;
  // such rules come before the selector-less ones there.
  const selects = (dr: DestinationRule) => {
    const labels = dr.spec.workloadSelector?.matchLabels;
    return !!proxyLabels && dr.metadata.namespace === proxyNamespace && Object.entries(labels ?? {}).every(([k, v]) => proxyLabels[k] === v);
  };
  const root = push.mesh.rootNamespace;
  // A proxy in the root namespace (meshgate's gateways, in istio-system) looks first only at the
  // root namespace's private rules (exportTo "."): its public ones are mesh-wide catch-alls
  // (`*.local`) that must not hide a service namespace's own rule (Istio destinationRule,
  // rootNamespaceLocal).
  const privateOnly = (dr: DestinationRule) => {
    const e = dr.spec.exportTo?.length ? dr.spec.exportTo : push.mesh.defaultDestinationRuleExportTo;
    return e.length === 1 && (e[0] === '.' || e[0] === dr.metadata.namespace);
  };
  const order = [proxyNamespace, serviceNamespace, root].filter((n): n is string => !!n);
  for (const [i, ns] of order.entries()) {
    const inNs = push.destinationRules.filter((dr) => dr.metadata.namespace === ns && (i === 0 ? proxyNamespace !== root || privateOnly(dr) || !!dr.spec.workloadSelector : exported(dr)));
    // The most specific host first (Istio MostSpecificHostMatch); for it, a rule selecting this
    // proxy comes before the selector-less ones.
    const candidates = mostSpecific(inNs.filter((dr) => !dr.spec.workloadSelector || selects(dr)), host);
    const found = [...candidates.filter((dr) => dr.spec.workloadSelector), ...candidates.filter((dr) => !dr.spec.workloadSelector)];
    if (found.length) {
      const subsets: Subset[] = [];
      for (const dr of found) for (const s of dr.spec.subsets ?? []) if (s && !subsets.some((x) => x.name === s.name)) subsets.push(s);
      return { rule: found[0]!, trafficPolicy: found.find((dr) => dr.spec.trafficPolicy)?.spec.trafficPolicy, subsets };
    }
  }
  return undefined;
}

/** Port-level entry replaces loadBalancer/connectionPool/outlierDetection/tls wholesale. */
function atPort(tp: TrafficPolicy | undefined, port: number): ClusterPolicy | undefined {
  if (!tp) return undefined;
  const { portLevelSettings, ...top } = tp;
  const pl = portLevelSettings?.find((p) => p.port.number === port);
  if (!pl) return top;
  return { ...top, loadBalancer: pl.loadBalancer, connectionPool: pl.connectionPool, outlierDetection: pl.outlierDetection, tls: pl.tls };
}

export interface ClusterPolicyResult {
  policy: ClusterPolicy | undefined;
  /** False when a subset is named that no applicable DestinationRule defines (503 NC). */
  subsetDefined: boolean;
  subset?: Subset;
  rule?: DestinationRule;
}

export function trafficPolicyFor(push: PushContext, proxyNamespace: string, host: string, port: number, subsetName: string, serviceNamespace?: string, proxyLabels?: Readonly<Record<string, string>>): ClusterPolicyResult {
  const merged = destinationRuleFor(push, proxyNamespace, host, serviceNamespace, proxyLabels);
  const base = atPort(merged?.trafficPolicy, port);
  if (!subsetName) return { policy: base, subsetDefined: true, rule: merged?.rule };
  const subset = merged?.subsets.find((s) => s.name === subsetName);
  if (!subset) return { policy: base, subsetDefined: false, rule: merged?.rule };
  const sp = subset.trafficPolicy;
  if (!sp) return { policy: base, subsetDefined: true, subset, rule: merged?.rule };
  const subsetPortLevel = sp.portLevelSettings?.find((p) => p.port.number === port);
  const policy: ClusterPolicy = { ...(base ?? {}) };
  for (const k of ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls', 'tunnel', 'proxyProtocol', 'retryBudget'] as const) {
    if (sp[k] !== undefined) (policy as Record<string, unknown>)[k] = sp[k];
  }
  if (subsetPortLevel) {
    policy.loadBalancer = subsetPortLevel.loadBalancer;
    policy.connectionPool = subsetPortLevel.connectionPool;
    policy.outlierDetection = subsetPortLevel.outlierDetection;
    policy.tls = subsetPortLevel.tls;
  }
  return { policy, subsetDefined: true, subset, rule: merged?.rule };
}
