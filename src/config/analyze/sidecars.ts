import { type Analyzer, GATEWAY_NAMESPACE } from './context.ts';

// Sidecar resources.
// - IST0111 MultipleSidecarsWithoutWorkloadSelectors (error): more than one Sidecar without a
//   workloadSelector in a namespace; which one applies is undefined (analyzers/sidecar/selector.go).
// - MG0008 (warning): `outboundTrafficPolicy` on a Sidecar outside the root and gateway
//   namespace. A Sidecar scopes the proxies of its own namespace; meshgate's only proxies are the
//   gateways in istio-system, so this does not make the egress gateway REGISTRY_ONLY (or
//   ALLOW_ANY) for that namespace's callers. Set MeshConfig outboundTrafficPolicy, or put the
//   Sidecar in the root namespace.

export const sidecars: Analyzer = {
  name: 'sidecar',
  analyze(ctx) {
    const unselected = new Map<string, typeof ctx.sidecars>();
    for (const sc of ctx.sidecars) {
      if (sc.spec.workloadSelector) continue;
      unselected.set(sc.namespace, [...(unselected.get(sc.namespace) ?? []), sc]);
    }
    for (const [ns, list] of unselected) {
      if (list.length < 2) continue;
      for (const sc of list) {
        ctx.report(sc, {
          severity: 'error',
          code: 'IST0111',
          path: [],
          message: `The Sidecars [${list.map((s) => s.key).join(' ')}] in namespace ${JSON.stringify(ns)} have no workload selector, which can lead to undefined behavior. Keep one Sidecar without workloadSelector per namespace`,
        });
      }
    }
    for (const sc of ctx.sidecars) {
      if (!sc.spec.outboundTrafficPolicy || sc.namespace === ctx.rootNamespace || sc.namespace === GATEWAY_NAMESPACE) continue;
      ctx.report(sc, {
        severity: 'warning',
        code: 'MG0008',
        path: ['spec', 'outboundTrafficPolicy'],
        message: `outboundTrafficPolicy on a Sidecar in namespace ${sc.namespace} applies only to proxies in ${sc.namespace}; meshgate's egress gateway runs in ${GATEWAY_NAMESPACE}, so it does not change what the egress gateway lets through. Set outboundTrafficPolicy in MeshConfig (ConfigMap istio-system/istio) or on a Sidecar in the root namespace ${ctx.rootNamespace}`,
      });
    }
  },
};
