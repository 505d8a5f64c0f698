import { z } from 'zod';
import { defineKind, type Report } from '../types.ts';
import { connectionPoolSettings } from './connection-pool.ts';
import { labelsSelector } from './se-workload-selector.ts';
import { destination } from './vs-destination.ts';
import { istioEgressListener, istioIngressListener, type IstioEgressListener } from './sidecar-listeners.ts';

// Sidecar (networking/v1alpha3/sidecar.proto): scopes what a proxy sees and how it listens. Rules
// of validation.go validateSidecar. No workloadSelector ⇒ all workloads of the namespace (the
// root namespace's one is the mesh default). inboundConnectionPool precedence: per-port Sidecar >
// Sidecar > DR port > DR (override, not merge).
// https://istio.io/latest/docs/reference/config/networking/sidecar/

/** egressProxy is a VirtualService Destination; the Sidecar also wants its port. */
const egressProxy = destination.superRefine((d, ctx) => {
  if (!d.port) ctx.addIssue({ code: 'custom', path: ['port'], message: 'sidecar: egress_proxy port must be non-zero' });
});

/** Present with mode unset ⇒ REGISTRY_ONLY (proto 0); absent ⇒ mesh default (ALLOW_ANY). */
export const outboundTrafficPolicy = z
  .strictObject({
    mode: z.enum(['REGISTRY_ONLY', 'ALLOW_ANY']).optional(),
    egressProxy: egressProxy.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.egressProxy && o.mode !== 'ALLOW_ANY') ctx.addIssue({ code: 'custom', path: ['egressProxy'], message: 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode' });
  });
export type OutboundTrafficPolicy = z.infer<typeof outboundTrafficPolicy>;

export const sidecarSpec = z
  .strictObject({
    workloadSelector: labelsSelector.optional(),
    ingress: z.array(istioIngressListener).optional(),
    egress: z.array(istioEgressListener).optional(),
    inboundConnectionPool: connectionPoolSettings.optional(),
    outboundTrafficPolicy: outboundTrafficPolicy.optional(),
  })
  .superRefine((s, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (!s.ingress && !s.egress && !s.outboundTrafficPolicy && !s.inboundConnectionPool) issue([], 'sidecar: empty configuration provided');
    const ingressPorts = new Set<number>();
    for (const [i, l] of (s.ingress ?? []).entries()) {
      if (ingressPorts.has(l.port.number)) issue(['ingress', i, 'port', 'number'], 'sidecar: ports on IP bound listeners must be unique');
      ingressPorts.add(l.port.number);
    }
    const egress = s.egress ?? [];
    const ports = new Set<number>();
    const sockets = new Set<string>();
    let catchAll = false;
    for (const [i, l] of egress.entries()) {
      if (!l.port) {
        if (catchAll) issue(['egress', i], 'sidecar: egress can have only one listener with empty port');
        else if (i !== egress.length - 1) issue(['egress', i], 'sidecar: the egress listener with empty port should be the last listener in the list');
        catchAll = true;
      } else if (l.port.number === 0) {
        if (sockets.has(l.bind ?? '')) issue(['egress', i, 'bind'], 'sidecar: unix domain socket values for listeners must be unique');
        sockets.add(l.bind ?? '');
      } else {
        if (ports.has(l.port.number)) issue(['egress', i, 'port', 'number'], 'sidecar: ports on IP bound listeners must be unique');
        ports.add(l.port.number);
      }
    }
  });
export type SidecarSpec = z.infer<typeof sidecarSpec>;

/** Istio's warnings on egress hosts: duplicates, and `*\/*` alongside other hosts. */
function egressHostWarnings(listeners: readonly IstioEgressListener[], namespace: string, report: Report) {
  for (const [li, l] of listeners.entries()) {
    const byNs = new Map<string, Set<string>>();
    for (const [hi, h] of (l.hosts ?? []).entries()) {
      const slash = h.indexOf('/');
      if (slash < 0) continue;
      const ns = h.slice(0, slash) === '.' ? namespace : h.slice(0, slash);
      const svc = h.slice(slash + 1);
      const set = byNs.get(ns) ?? new Set<string>();
      byNs.set(ns, set);
      const dup = svc === '*' ? set.size > 0 : set.has(svc) || set.has('*');
      if (dup) report(['spec', 'egress', li, 'hosts', hi], `duplicated egress host: ${h}`, 'warning');
      set.add(svc);
    }
    if (byNs.get('*')?.has('*') && byNs.size !== 1) report(['spec', 'egress', li, 'hosts'], '`*/*` host select all resources, no other hosts can be added', 'warning');
  }
}

export const sidecar = defineKind({
  group: 'networking.istio.io',
  kind: 'Sidecar',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'sidecars',
  shortNames: [],
  body: 'spec',
  spec: sidecarSpec,
  check: (r, report) => {
    const ws = r.spec.workloadSelector;
    if (ws && !Object.keys(ws.labels ?? {}).length) report(['spec', 'workloadSelector'], 'sidecar: workloadSelector specified without labels, which selects all workloads in the namespace', 'warning');
    egressHostWarnings(r.spec.egress ?? [], r.metadata.namespace, report);
  },
});

export type { IstioEgressListener, IstioIngressListener, SidecarPort } from './sidecar-listeners.ts';
export type { ConnectionPoolSettings } from './connection-pool.ts';
