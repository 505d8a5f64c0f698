import { z } from 'zod';
import { defineKind, type Report } from '../types.ts';
import type { PathSegment } from '../../issues.ts';
import { exportTo, labels, workloadSelector } from '../../syntax/common.ts';
import { isIstioLabel, wildcardHost } from '../../syntax/host.ts';
import { trafficPolicy, type TrafficPolicy } from './traffic-policy.ts';
import { CONSECUTIVE_ERRORS_DEPRECATED, type OutlierDetection } from './outlier-detection.ts';
import type { LoadBalancerSettings } from './load-balancer.ts';

// DestinationRule (networking/v1alpha3/destination_rule.proto): policy applied after routing.
// Rules of pkg/config/validation/validation.go validateDestinationRule.
// https://istio.io/latest/docs/reference/config/networking/destination-rule/

export const subset = z.strictObject({
  name: z.string().superRefine((n, ctx) => {
    if (n === '') ctx.addIssue({ code: 'custom', message: 'subset name cannot be empty' });
    else if (!isIstioLabel(n)) ctx.addIssue({ code: 'custom', message: `subset name is invalid: ${n}` });
  }),
  /** Endpoint label filter. */
  labels: labels.optional(),
  /** Takes effect only when a route targets this subset. */
  trafficPolicy: trafficPolicy.optional(),
});
export type Subset = z.infer<typeof subset>;

export const destinationRuleSpec = z
  .strictObject({
    /** Short names resolve against the rule's namespace. */
    host: wildcardHost(),
    trafficPolicy: trafficPolicy.optional(),
    subsets: z.array(subset.nullable()).optional(),
    /** Empty ⇒ mesh default (`*`). */
    exportTo: exportTo({ allowNone: false }).optional(),
    /** Apply only to selected client proxies in the rule's namespace. */
    workloadSelector: workloadSelector.optional(),
  })
  .superRefine((dr, ctx) => {
    const seen = new Set<string>();
    for (const [i, s] of (dr.subsets ?? []).entries()) {
      if (s === null) {
        ctx.addIssue({ code: 'custom', path: ['subsets', i], message: 'subset may not be null' });
        continue;
      }
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['subsets', i, 'name'], message: `duplicate subset names: ${s.name}` });
      seen.add(s.name);
    }
  });
export type DestinationRuleSpec = z.infer<typeof destinationRuleSpec>;

/** Every TrafficPolicy-shaped block (top, port-level, subsets) with its path from the document root. */
function* policies(spec: DestinationRuleSpec): Generator<[PathSegment[], { loadBalancer?: LoadBalancerSettings; outlierDetection?: OutlierDetection }]> {
  const withPorts = function* (tp: TrafficPolicy | undefined, path: PathSegment[]): Generator<[PathSegment[], { loadBalancer?: LoadBalancerSettings; outlierDetection?: OutlierDetection }]> {
    if (!tp) return;
    yield [path, tp];
    for (const [i, p] of (tp.portLevelSettings ?? []).entries()) yield [[...path, 'portLevelSettings', i], p];
  };
  yield* withPorts(spec.trafficPolicy, ['spec', 'trafficPolicy']);
  for (const [i, s] of (spec.subsets ?? []).entries()) yield* withPorts(s?.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy']);
}

/** exportTo rules that need the namespace (validation.go validateExportTo). */
export function checkExportTo(list: readonly string[] | undefined, namespace: string, path: PathSegment[], report: Report, opts: { selector: boolean }) {
  if (!list?.length) return;
  if (list.includes('.') && list.includes(namespace)) report(path, `duplicate entries in exportTo: . and current namespace ${namespace}`);
  if (opts.selector) {
    if (list.length > 1) report(path, 'destination rule with workload selector cannot have multiple entries in exportTo');
    else if (list[0] !== '.' && list[0] !== namespace) report([...path, 0], 'destination rule with workload selector cannot have exportTo beyond current namespace');
  }
}

const FETCH_CONNECTIONS = "Workers' fetch manages upstream connections itself";
/** The gateways' ring-size ceiling (src/gateway/upstream/lb.ts RING_SIZE_CAP; a test keeps them equal). */
export const RING_SIZE_CAP = 1 << 20;
/** The gateways' maglev table ceiling (src/gateway/upstream/lb.ts MAGLEV_SIZE_CAP; a test keeps them equal). */
export const MAGLEV_SIZE_CAP = 1_048_573;
/** Fields Istio accepts that a Worker cannot execute: said once at apply (info), never silently. */
function noEffect(tp: TrafficPolicy): [PathSegment[], string][] {
  const out: [PathSegment[], string][] = [];
  const tcp = tp.connectionPool?.tcp;
  const http = tp.connectionPool?.http;
  if (tcp?.connectTimeout !== undefined) out.push([['connectionPool', 'tcp', 'connectTimeout'], 'fetch has no separate connect phase to time; a route timeout or retries.perTryTimeout bounds a connection that never opens']);
  for (const f of ['tcpKeepalive', 'maxConnectionDuration', 'idleTimeout'] as const) if (tcp?.[f] !== undefined) out.push([['connectionPool', 'tcp', f], FETCH_CONNECTIONS]);
  for (const f of ['maxRequestsPerConnection', 'idleTimeout', 'h2UpgradePolicy', 'useClientProtocol', 'maxConcurrentStreams', 'http2KeepAlive'] as const) if (http?.[f] !== undefined) out.push([['connectionPool', 'http', f], FETCH_CONNECTIONS]);
  if (tp.loadBalancer?.warmup !== undefined || tp.loadBalancer?.warmupDurationSecs !== undefined) out.push([['loadBalancer', tp.loadBalancer.warmup !== undefined ? 'warmup' : 'warmupDurationSecs'], 'slow start is not implemented; a new endpoint gets its full share at once']);
  if (tp.loadBalancer?.localityLbSetting !== undefined) out.push([['loadBalancer', 'localityLbSetting'], 'a gateway on the edge has no locality of its own, so locality failover and distribution do not apply']);
  return out;
}

export const destinationRule = defineKind({
  group: 'networking.istio.io',
  kind: 'DestinationRule',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'destinationrules',
  shortNames: ['dr'],
  body: 'spec',
  spec: destinationRuleSpec,
  check: (r, report) => {
    const spec = r.spec;
    checkExportTo(spec.exportTo, r.metadata.namespace, ['spec', 'exportTo'], report, { selector: spec.workloadSelector !== undefined });
    for (const [path, tp] of policies(spec)) {
      if (tp.outlierDetection?.consecutiveErrors !== undefined) report([...path, 'outlierDetection', 'consecutiveErrors'], CONSECUTIVE_ERRORS_DEPRECATED, 'warning');
      if (tp.loadBalancer?.localityLbSetting?.failover?.length && !tp.outlierDetection) report([...path, 'loadBalancer', 'localityLbSetting', 'failover'], 'outlier detection policy must be provided for failover', 'warning');
      for (const [field, why] of noEffect(tp)) report([...path, ...field], `${field.at(-1)} has no effect at meshgate's gateways: ${why}`, 'info');
      const ring = tp.loadBalancer?.consistentHash;
      const ringSize = ring?.ringHash?.minimumRingSize ?? ring?.minimumRingSize ?? 0;
      if (ringSize > RING_SIZE_CAP) report([...path, 'loadBalancer', 'consistentHash', ...(ring?.ringHash ? ['ringHash'] : []), 'minimumRingSize'], `a ring of ${ringSize} points does not fit a Worker isolate's memory: meshgate's gateways build at most ${RING_SIZE_CAP}`, 'warning');
      const tableSize = ring?.maglev?.tableSize ?? 0;
      if (tableSize > MAGLEV_SIZE_CAP) report([...path, 'loadBalancer', 'consistentHash', 'maglev', 'tableSize'], `a maglev table of ${tableSize} entries does not fit a Worker isolate's memory: meshgate's gateways build at most ${MAGLEV_SIZE_CAP}`, 'warning');
    }
  },
});

// Named parts for the translator, importable from the kind's module.
export type { TrafficPolicy, PortTrafficPolicy, TunnelSettings, ProxyProtocol, RetryBudget } from './traffic-policy.ts';
export type { LoadBalancerSettings, ConsistentHashLB, LocalityLoadBalancerSetting, ZoneAwareLoadBalancerSetting, WarmupConfiguration } from './load-balancer.ts';
export type { ConnectionPoolSettings, TCPSettings, HTTPSettings } from './connection-pool.ts';
export type { OutlierDetection } from './outlier-detection.ts';
export type { ClientTLSSettings } from './client-tls.ts';
