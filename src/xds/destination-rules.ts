import type { TrafficPolicy } from '../config/kinds/networking/destination-rule.ts';
import type { Subset } from '../config/kinds/networking/destination-rule.ts';
import { applicableDestinationRules } from '../config/destination-rule-lookup.ts';
import type { DestinationRule, PushContext } from './push-context.ts';

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

/**
 * The DestinationRule that applies to a host for a proxy (Istio's lookup order: see
 * applicableDestinationRules). Several rules for one host in one namespace merge: subsets
 * appended (first name wins), the oldest rule's top-level policy wins.
 */
export function destinationRuleFor(push: PushContext, proxyNamespace: string, host: string, serviceNamespace?: string, proxyLabels?: Readonly<Record<string, string>>): MergedRule | undefined {
  const found = applicableDestinationRules(push.destinationRules, (dr) => ({ namespace: dr.metadata.namespace, spec: dr.spec }), {
    proxyNamespace, host, serviceNamespace, proxyLabels, rootNamespace: push.mesh.rootNamespace, defaultExportTo: push.mesh.defaultDestinationRuleExportTo,
  });
  if (!found.length) return undefined;
  const subsets: Subset[] = [];
  for (const dr of found) for (const s of dr.spec.subsets ?? []) if (s && !subsets.some((x) => x.name === s.name)) subsets.push(s);
  return { rule: found[0]!, trafficPolicy: found.find((dr) => dr.spec.trafficPolicy)?.spec.trafficPolicy, subsets };
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
