import type { Node } from './protocol.ts';
import { type Gateway, type PushContext, type VirtualService } from './push-context.ts';
import { legacyGatewayName } from '../config/kinds/networking/vs-hosts.ts';

// Which Gateways a proxy runs, and which VirtualServices a Gateway binds (Istio gateway.go,
// model.virtualservice: `gateways` names, server `ns/host` rules, exportTo).

/** A Gateway applies to a proxy when its selector's labels are all on the proxy (nil ⇒ all). */
export function gatewaysForProxy(push: PushContext, node: Pick<Node, 'labels'>): Gateway[] {
  return push.gateways.filter((g) => Object.entries(g.spec.selector ?? {}).every(([k, v]) => node.labels[k] === v));
}

/**
 * Istio resolveGatewayName: `mesh` stays; `ns/name` stays (validation refuses `./name`); a bare
 * `name` ⇒ `vsNamespace/name`; a dotted legacy `name.ns[.svc.…]` ⇒ `ns/name`.
 */
export function normalizeGatewayName(ref: string, vsNamespace: string): string {
  if (ref === 'mesh') return ref;
  if (ref.includes('/')) return ref;
  return legacyGatewayName(ref) ?? `${vsNamespace}/${ref}`;
}

/** The gateways a VirtualService's routes apply to (top level, default `mesh`). */
export function vsGateways(vs: VirtualService): string[] {
  const names = vs.spec.gateways?.length ? vs.spec.gateways : ['mesh'];
  return names.map((g) => normalizeGatewayName(g, vs.metadata.namespace));
}

/**
 * Bound when the top-level `gateways` name this gateway (Istio getGatewayNames). A match's own
 * `gateways` only narrows a bound VirtualService's routes; it never binds one.
 */
export function vsBoundTo(vs: VirtualService, gatewayName: string): boolean {
  return vsGateways(vs).includes(gatewayName);
}

/** Server host `ns/dns`: does its namespace part admit a VirtualService from `vsNamespace`? */
export function splitServerHost(host: string, gatewayNamespace: string): { namespace: string; dnsName: string } {
  const slash = host.indexOf('/');
  if (slash < 0) return { namespace: '*', dnsName: host.toLowerCase() };
  const ns = host.slice(0, slash);
  return { namespace: ns === '.' ? gatewayNamespace : ns, dnsName: host.slice(slash + 1).toLowerCase() };
}

/** exportTo is checked against the namespace of the proxy the routes are for (Istio VirtualServicesForGateway). */
export function vsVisibleToGateway(push: PushContext, vs: VirtualService, proxyNamespace: string): boolean {
  return visibility(push, vs, proxyNamespace) !== undefined;
}

/**
 * How a VirtualService is visible to a proxy namespace, in Istio's order: private (exported to its
 * own namespace, which is the proxy's) 0, exported to the proxy's namespace 1, public 2; undefined
 * when not visible (push_context.go initVirtualServices).
 */
function visibility(push: PushContext, vs: VirtualService, proxyNamespace: string): 0 | 1 | 2 | undefined {
  const exportTo = vs.spec.exportTo?.length ? vs.spec.exportTo : push.mesh.defaultVirtualServiceExportTo;
  const ns = vs.metadata.namespace;
  if (exportTo.includes('*')) return 2;
  if (exportTo.includes('~')) return undefined;
  if (ns === proxyNamespace && exportTo.some((e) => e === '.' || e === ns)) return 0;
  return exportTo.includes(proxyNamespace) ? 1 : undefined;
}

/**
 * The VirtualServices bound to `gatewayName` that a proxy in `proxyNamespace` sees, in Istio's
 * order (VirtualServicesForGateway): private ones first, then those exported to the proxy's
 * namespace, then public ones; oldest first within each.
 */
export function virtualServicesForGateway(push: PushContext, proxyNamespace: string, gatewayName: string): VirtualService[] {
  return visibleInOrder(push, proxyNamespace, (vs) => vsBoundTo(vs, gatewayName));
}

/** The VirtualServices `keep` selects that a proxy in `proxyNamespace` sees, in Istio's private → exported → public order. */
export function visibleInOrder(push: PushContext, proxyNamespace: string, keep: (vs: VirtualService) => boolean): VirtualService[] {
  const ranked: { vs: VirtualService; rank: number; i: number }[] = [];
  push.virtualServices.forEach((vs, i) => {
    if (!keep(vs)) return;
    const rank = visibility(push, vs, proxyNamespace);
    if (rank !== undefined) ranked.push({ vs, rank, i });
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.i - b.i).map((r) => r.vs);
}
